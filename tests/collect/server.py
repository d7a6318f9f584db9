"""A real HTTP server on loopback that plays news sites, hostile servers and the Facebook /
YouTube APIs from the fixture files. Threaded, so a slow or endless response does not hold
up the others; every write to a client that went away just ends that handler."""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from vimon.text.encodings import encode_cp1258, encode_legacy

FIXTURES = Path(__file__).parent / "fixtures"

LEAD = "Sáng nay, Ủy ban nhân dân quận thông báo kết quả triển khai kế hoạch năm của Việt Nam."
PARA = ("Theo báo cáo, người dân phường Phúc Xá và các phường lân cận đã phản ánh nhiều ý kiến về "
        "tình trạng ngập úng, thu gom rác thải và trật tự đô thị. Lãnh đạo quận cho biết sẽ "
        "tiếp thu, giải quyết dứt điểm trong quý tới và công khai tiến độ trên cổng thông tin.")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def article_html(title: str, charset: str = "utf-8", n_paras: int = 3,
                 date: str = "2026-11-20T08:00:00+07:00", body: str | None = None) -> str:
    paras = "\n".join(f"<p>{body or PARA} (đoạn {i + 1})</p>" for i in range(n_paras))
    return (fixture("article.html").replace("{charset}", charset).replace("{title}", title)
            .replace("{lead}", LEAD).replace("{paragraphs}", paras).replace("{date}", date))


_BOMB: bytes | None = None


def gzip_bomb() -> bytes:
    """~2 MB of gzip that inflates to 2 GiB of zeros: 32 members of 64 MiB each (a gzip
    file may hold several members). Built in memory once; nothing touches the disk."""
    global _BOMB
    if _BOMB is None:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        member = c.compress(b"\0" * (64 << 20)) + c.flush()
        _BOMB = member * 32
    return _BOMB


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up on purpose (limits, timeouts) are the point of the tests


class Site:
    """Routes: path → handler(request handler, query) ; counters per path for assertions."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.routes: dict[str, Callable[[Handler, dict[str, list[str]]], None]] = {}
        self.lock = threading.Lock()
        self.articles: dict[str, str] = {}  # path → title of a good article
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.site = self  # type: ignore[attr-defined]
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, path: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
        def deco(fn: Callable[..., None]) -> Callable[..., None]:
            self.routes[path] = fn
            return fn
        return deco


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid delayed-ACK stalls

    def log_message(self, *args: object) -> None:  # quiet
        pass

    @property
    def site(self) -> Site:
        return self.server.site  # type: ignore[attr-defined]

    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        parts = urlsplit(self.path)
        with self.site.lock:
            self.site.hits[parts.path] += 1
        fn = self.site.routes.get(parts.path)
        if fn is None and parts.path.startswith("/bai/") and parts.path in self.site.articles:
            fn = _good_article
        if fn is None:
            self.send(404, b"<html><body>404</body></html>")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            fn(self, parse_qs(parts.query))


def _good_article(h: Handler, q: dict[str, list[str]]) -> None:
    title = h.site.articles[urlsplit(h.path).path]
    h.send(200, article_html(title).encode("utf-8"))


def rss_items(base: str, entries: list[tuple[str, str]]) -> str:
    tpl = fixture("rss_item.xml")
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    out = []
    for i, (path, title) in enumerate(entries):
        out.append(tpl.replace("{title}", title).replace("{path}", path)
                   .replace("{summary}", f"Tóm tắt: {title}")
                   .replace("{date}", format_datetime(start + timedelta(minutes=i), usegmt=True)))
    return "".join(out)


def news_site(site: Site) -> dict[str, str]:
    """The e-newspaper with its hostile corners. Returns hostile path → expected outcome."""
    base = site.base
    good = {f"/bai/tin-tot-so-{i}-ve-quan-ba-dinh-{100100 + i}.html": f"Tin tốt số {i} về quận Ba Đình"
            for i in range(5)}
    site.articles.update(good)
    hostile = {
        "/bai/trang-khong-co-bai-100001.html": "no_article",
        "/bai/bai-viet-cp1258-100002.html": "item",
        "/bai/bai-viet-vni-100003.html": "item",
        "/bai/bai-viet-tcvn3-100004.html": "item",
        "/bai/bom-gzip-100005.html": "decompression_bomb",
        "/bai/chuyen-huong-vong-100006.html": "redirect_loop",
        "/bai/may-chu-cham-100007.html": "total_timeout",
        "/bai/trang-50mb-100008.html": "body_too_large",
        "/bai/loi-may-chu-100009.html": "http_5xx",
        "/bai/qua-tai-429-100010.html": "item",
        "/private/bi-chan-robots-100011.html": "robots_disallow",
        "/bai/anh-khong-phai-html-100012.html": "bad_content_type",
        "/bai/trang-50mb-chunked-100013.html": "body_too_large",
    }
    entries = list(good.items()) + [(p, f"Tin {p.rsplit('-', 1)[1][:6]}") for p in hostile]

    @site.route("/robots.txt")
    def robots(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")

    @site.route("/rss.xml")
    def rss(h: Handler, q: dict[str, list[str]]) -> None:
        body = fixture("rss.xml").replace("{items}", rss_items(base, entries)).replace("{base}", base)
        etag = '"rss-v1"'
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send(200, body.encode(), "application/rss+xml; charset=utf-8", {"ETag": etag})

    def legacy(enc: str) -> Callable[[Handler, dict[str, list[str]]], None]:
        def serve(h: Handler, q: dict[str, list[str]]) -> None:
            title = f"Bài viết mã {enc} về Việt Nam"
            if enc == "cp1258":
                page = article_html(title, charset="windows-1258")
                h.send(200, encode_cp1258(page), "text/html; charset=windows-1258")
            else:
                page = article_html(title, charset="windows-1252")
                h.send(200, encode_legacy(page, enc).encode("cp1252", "replace"), "text/html")
        return serve

    site.routes["/bai/bai-viet-cp1258-100002.html"] = legacy("cp1258")
    site.routes["/bai/bai-viet-vni-100003.html"] = legacy("vni")
    site.routes["/bai/bai-viet-tcvn3-100004.html"] = legacy("tcvn3")

    @site.route("/bai/trang-khong-co-bai-100001.html")
    def no_article(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, fixture("no_article.html").encode())

    @site.route("/bai/bom-gzip-100005.html")
    def bomb(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})

    @site.route("/bai/chuyen-huong-vong-100006.html")
    def loop_a(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(302, b"", headers={"Location": "/bai/vong-b.html"})

    @site.route("/bai/vong-b.html")
    def loop_b(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(301, b"", headers={"Location": f"{base}/bai/chuyen-huong-vong-100006.html"})

    @site.route("/bai/may-chu-cham-100007.html")
    def slow(h: Handler, q: dict[str, list[str]]) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(100000):  # one byte per second, until the client gives up
            h.wfile.write(b"<")
            h.wfile.flush()
            time.sleep(1.0)

    def big(chunked: bool) -> Callable[[Handler, dict[str, list[str]]], None]:
        def serve(h: Handler, q: dict[str, list[str]]) -> None:
            size = 50 * 1024 * 1024
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            if chunked:
                h.send_header("Transfer-Encoding", "chunked")
            else:
                h.send_header("Content-Length", str(size))
            h.end_headers()
            block = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
            sent = 0
            while sent < size:
                if chunked:
                    h.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                else:
                    h.wfile.write(block)
                sent += len(block)
            if chunked:
                h.wfile.write(b"0\r\n\r\n")
        return serve

    site.routes["/bai/trang-50mb-100008.html"] = big(False)
    site.routes["/bai/trang-50mb-chunked-100013.html"] = big(True)

    @site.route("/bai/loi-may-chu-100009.html")
    def err500(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(500, b"<html><body>Internal Server Error</body></html>")

    @site.route("/bai/qua-tai-429-100010.html")
    def rate(h: Handler, q: dict[str, list[str]]) -> None:
        if site.hits["/bai/qua-tai-429-100010.html"] == 1:
            h.send(429, b"slow down", "text/plain", {"Retry-After": "1"})
        else:
            h.send(200, article_html("Bài viết sau khi bị giới hạn tốc độ").encode())

    @site.route("/private/bi-chan-robots-100011.html")
    def private(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, article_html("Không được tải").encode())

    @site.route("/bai/anh-khong-phai-html-100012.html")
    def image(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")

    # Other entry points of the same site.
    @site.route("/broken.xml")
    def broken(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, fixture("broken.xml").encode(), "application/rss+xml")

    @site.route("/rss-la-html")
    def html_feed(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, fixture("not_a_feed.html").encode())

    @site.route("/atom.xml")
    def atom(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, fixture("atom.xml").replace("{base}", base).encode(), "application/atom+xml")

    site.articles["/bai/dich-vu-cong-truc-tuyen-ba-dinh-200001.html"] = "Dịch vụ công trực tuyến"

    @site.route("/sitemap.xml")
    def sitemap_index(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, fixture("sitemap_index.xml").replace("{base}", base).encode(), "application/xml")

    @site.route("/sitemap-news.xml")
    def sitemap_news(h: Handler, q: dict[str, list[str]]) -> None:
        body = gzip.compress(fixture("sitemap_news.xml").replace("{base}", base).encode())
        h.send(200, body, "application/xml", {"Content-Encoding": "gzip"})

    site.articles["/bai/khanh-thanh-cau-vuot-nga-tu-so-400001.html"] = "Khánh thành cầu vượt ngã tư Sở"
    site.articles["/bai/tuyen-buyt-dien-moi-400002.html"] = "Tuyến buýt điện mới"

    @site.route("/thoi-su")
    def listing(h: Handler, q: dict[str, list[str]]) -> None:
        h.send(200, fixture("listing.html").encode())

    site.articles["/bai/hoi-nghi-chuyen-doi-so-quan-hoan-kiem-300001.html"] = "Hội nghị chuyển đổi số"
    site.articles["/bai/ra-quan-don-ve-sinh-mua-dong-300002.html"] = "Ra quân dọn vệ sinh"
    return {p: outcome for p, outcome in hostile.items()} | {p: "item" for p in good}


def api_mocks(site: Site, token: str = "fb-test-token", key: str = "yt-test-key") -> None:
    """Facebook Graph and YouTube Data API v3 from the documented response shapes."""
    base = site.base
    state = {"fb_rate": False, "yt_quota": False}
    site.api_state = state  # type: ignore[attr-defined]

    def fb(h: Handler, name: str) -> None:
        h.send(200, fixture(name).replace("{base}", base).replace("{token}", token).encode(),
               "application/json; charset=UTF-8")

    def fb_auth(h: Handler, q: dict[str, list[str]]) -> bool:
        if q.get("access_token", [""])[0] != token:
            h.send(400, fixture("fb_error_token.json").encode(), "application/json")
            return False
        if state["fb_rate"]:
            h.send(403, fixture("fb_error_rate.json").encode(), "application/json")
            return False
        return True

    @site.route("/graph/1111/posts")
    def posts(h: Handler, q: dict[str, list[str]]) -> None:
        if fb_auth(h, q):
            fb(h, "fb_posts_2.json" if q.get("after") else "fb_posts_1.json")

    @site.route("/graph/1111_2001/comments")
    def comments1(h: Handler, q: dict[str, list[str]]) -> None:
        if fb_auth(h, q):
            fb(h, "fb_comments_2001.json")

    @site.route("/graph/1111_2002/comments")
    def comments2(h: Handler, q: dict[str, list[str]]) -> None:
        if fb_auth(h, q):
            h.send(400, fixture("fb_error_permission.json").encode(), "application/json")

    @site.route("/graph/1111_2003/comments")
    def comments3(h: Handler, q: dict[str, list[str]]) -> None:
        if fb_auth(h, q):
            h.send(200, b'{"data": []}', "application/json")

    @site.route("/graph/9999/feed")
    def group(h: Handler, q: dict[str, list[str]]) -> None:
        if fb_auth(h, q):
            h.send(400, fixture("fb_error_permission.json").encode(), "application/json")

    def yt(h: Handler, q: dict[str, list[str]], name: str) -> None:
        if q.get("key", [""])[0] != key:
            h.send(400, json.dumps({"error": {"code": 400, "message": "API key not valid.",
                                              "errors": [{"reason": "keyInvalid"}]}}).encode(),
                   "application/json")
            return
        if state["yt_quota"]:
            h.send(403, fixture("yt_error_quota.json").encode(), "application/json")
            return
        h.send(200, fixture(name).encode(), "application/json; charset=UTF-8")

    @site.route("/yt/channels")
    def channels(h: Handler, q: dict[str, list[str]]) -> None:
        yt(h, q, "yt_channels.json")

    @site.route("/yt/playlistItems")
    def playlist(h: Handler, q: dict[str, list[str]]) -> None:
        yt(h, q, "yt_playlist_2.json" if q.get("pageToken") else "yt_playlist_1.json")

    @site.route("/yt/videos")
    def videos(h: Handler, q: dict[str, list[str]]) -> None:
        yt(h, q, "yt_videos.json")

    @site.route("/yt/commentThreads")
    def threads(h: Handler, q: dict[str, list[str]]) -> None:
        vid = q.get("videoId", [""])[0]
        if vid == "vid00000001":
            yt(h, q, "yt_comments_1b.json" if q.get("pageToken") else "yt_comments_1a.json")
        elif vid == "vid00000002":
            h.send(403, fixture("yt_error_comments_disabled.json").encode(), "application/json")
        else:
            yt(h, q, "yt_empty_comments.json")
