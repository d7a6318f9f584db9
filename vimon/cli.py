"""The ``vimon`` command line. Thin: each command parses, calls one service, prints."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from vimon.errors import VimonError
from vimon.plans.commands import plans_app
from vimon.settings import get_settings

app = typer.Typer(
    help="vimon — giám sát thông tin trên không gian mạng tiếng Việt "
    "(Vietnamese information-space monitor).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sources_app = typer.Typer(help="Quản lý nguồn tin / manage sources.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(plans_app, name="plans")
out = Console()
err = Console(stderr=True)


def _store():  # type: ignore[no-untyped-def]
    from vimon.store import open_store

    return open_store()


@app.command()
def init() -> None:
    """Tạo hoặc di trú CSDL / create or migrate the database."""
    store = _store()
    out.print(f"CSDL sẵn sàng / database ready: revision [bold]{store.revision()}[/] ({store.dialect})")


@app.command()
def ingest(
    files: Annotated[list[str], typer.Argument(help="Tệp JSONL/CSV; '-' = stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="Dòng cuối là JSON tóm tắt")] = False,
    queue: Annotated[bool, typer.Option(
        "--queue", help="Gửi vào hàng đợi cho `vimon worker` (VIMON_QUEUE_URL) / send the rows "
        "to the queue")] = False,
) -> None:
    """Nhập tin qua toàn bộ pipeline / import items through the whole pipeline."""
    from vimon.pipeline.ingest import ingest_paths

    settings = get_settings()
    store = _store()
    if queue:
        _ingest_queued(store, settings, files, as_json)
        return
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def on_progress(path: str, done: int, size: int | None) -> None:
        if path not in tasks:
            tasks[path] = progress.add_task(Path(path).name if path != "-" else "stdin", total=size)
        progress.update(tasks[path], completed=done)

    with progress:
        res = ingest_paths(store, settings, files, on_progress)
    out.print(
        f"Mới / new: [bold green]{res.new}[/]  Trùng / duplicate: [bold]{res.duplicate}[/]  "
        f"Bị từ chối / rejected: [bold red]{res.rejected}[/]  Gần trùng / near-duplicate: "
        f"{res.near_duplicate}"
    )
    for code, n in res.reasons.most_common():
        out.print(f"  - {code}: {n}")
    for msg in res.examples[:5]:
        out.print(f"    · {msg}", markup=False)
    if as_json:
        print(json.dumps(res.summary()))


def _ingest_queued(store, settings, files: list[str], as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from vimon.worker import enqueue_paths

    res = enqueue_paths(store, settings, files)
    out.print(f"Đã gửi vào hàng đợi / queued: [bold green]{res.queued}[/] tin trong {res.messages} "
              f"thông điệp / messages  Bị từ chối / rejected: [bold red]{res.rejected}[/]")
    for code, n in sorted(res.reasons.items(), key=lambda kv: -kv[1]):
        out.print(f"  - {code}: {n}")
    for msg in res.examples[:5]:
        out.print(f"    · {msg}", markup=False)
    if as_json:
        print(json.dumps(res.summary()))


@app.command()
def worker(
    processes: Annotated[int, typer.Option(min=1, help="Số tiến trình / worker processes")] = 1,
    threads: Annotated[int, typer.Option(min=1, help="Số luồng mỗi tiến trình / threads each")] = 1,
    status: Annotated[bool, typer.Option("--status", help="Chỉ in tình trạng hàng đợi (JSON)")] = False,
) -> None:
    """Chạy worker của hàng đợi (chế độ phân tán) / start a queue worker (distributed mode)."""
    from vimon import worker as queue

    settings = get_settings()
    if status:
        print(json.dumps(queue.queue_status(settings)))
        return
    with queue.reaching(settings):  # a clear error now when there is no queue to read
        queue.broker(settings).client.ping()
    _store().close()  # create or migrate the database once, before the workers start
    cmd = [sys.executable, "-m", "dramatiq", "vimon.worker:setup", "--processes", str(processes),
           "--threads", str(threads), "--queues", queue.QUEUE]
    err.print(f"vimon worker: {processes} tiến trình × {threads} luồng, hàng đợi {queue.QUEUE} "
              f"/ processes × threads")
    sys.stdout.flush()
    os.execv(sys.executable, cmd)


@app.command()
def briefing(
    period: Annotated[str, typer.Option(help="day | week | month | quarter | year")] = "day",
    day: Annotated[str | None, typer.Option("--date", help="Một ngày trong kỳ (YYYY-MM-DD; mặc "
                                            "định hôm nay) / a day of the period")] = None,
    fmt: Annotated[str, typer.Option("--format", help="docx | xlsx | pdf | json")] = "docx",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Tệp ra / output file")] = None,
) -> None:
    """Báo cáo định kỳ: ngày, tuần, tháng, quý, năm / period report (DOCX, XLSX, PDF, JSON)."""
    from vimon.analysis.facets import local_day
    from vimon.errors import InputError
    from vimon.reports import builders
    from vimon.reports.period import build

    if fmt != "json" and fmt not in builders.FORMATS:
        raise InputError("VM-RP02", f"định dạng không hỗ trợ / unsupported format {fmt!r}",
                         " | ".join([*builders.FORMATS, "json"]))
    ctx = build(_store(), period, local_day(day, "VM-RP03"))
    if fmt == "json":
        body = json.dumps(ctx, ensure_ascii=False, indent=1).encode()
    else:
        body = builders.FORMATS[fmt][1](ctx, get_settings())
    target = output or Path(builders.file_name(ctx, fmt))
    target.write_bytes(body)
    out.print(f"{ctx['title']}: {ctx['totals']['n']} tin → [bold]{target}[/]")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Truy vấn (xem docs/search.md) / query")],
    limit: Annotated[int, typer.Option(help="Số kết quả tối đa")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Mỗi kết quả một dòng JSON")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Phân biệt dấu / match diacritics")] = False,
    sort: Annotated[str, typer.Option(help="time | reach | risk")] = "time",
) -> None:
    """Tìm kiếm bằng ngôn ngữ truy vấn (không phân biệt dấu) / search with the query language."""
    from vimon.store.querylang import QuerySyntaxError, parse

    try:
        parsed = parse(query, exact=exact)
    except QuerySyntaxError as exc:
        err.print(f"[bold red]Lỗi cú pháp / syntax error[/] {exc.detail}", highlight=False)
        err.print(exc.pointer(), markup=False, highlight=False)
        sys.exit(2)
    hits, _ = _store().search_items(parsed, sort=sort, limit=limit, count=False)
    if as_json:
        for h in hits:
            print(json.dumps({
                "id": h["id"], "url": h["url"], "title": h["title"], "source": h["source"],
                "published_at": _iso(h["published_at"]),
            }, ensure_ascii=False))
        return
    table = Table("id", "nguồn / source", "thời gian / time", "tiêu đề / title")
    for h in hits:
        table.add_row(str(h["id"]), h["source"] or "", _iso(h["published_at"]) or "",
                      (h["title"] or h["text_norm"] or "")[:90])
    out.print(table)


def _iso(dt: datetime | None) -> str | None:
    from vimon.web.format import iso_local

    return iso_local(dt)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Địa chỉ / bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng / port")] = None,
) -> None:
    """Chạy giao diện web + API / serve the web UI and JSON API."""
    import uvicorn

    from vimon.web.app import create_app

    settings = get_settings()
    settings.check_safe()
    application = create_app(_store(), settings)
    uvicorn.run(application, host=host or settings.host, port=port or settings.port,
                log_level="warning")


@app.command()
def demo(
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Không chạy web sau khi nạp")] = False,
    host: Annotated[str | None, typer.Option(help="Địa chỉ / bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng / port")] = None,
) -> None:
    """Nạp bộ dữ liệu mẫu vào CSDL mới, chạy pipeline, in tóm tắt, rồi mở web."""
    from vimon.demo.runner import run_demo

    settings = get_settings()
    store, summary = run_demo(settings)
    table = Table("chỉ số / metric", "giá trị / value", title="vimon demo")
    for key, value in summary.items():
        table.add_row(key, str(value))
    out.print(table)
    if no_serve:
        return
    import uvicorn

    from vimon.web.app import create_app

    h, p = host or settings.host, port or settings.port
    out.print(f"Giao diện web / web UI: [bold]http://{h}:{p}/[/]  (Ctrl+C để dừng)")
    uvicorn.run(create_app(store, settings), host=h, port=p, log_level="warning")


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="URL nguồn (feed, sitemap, trang, kênh)")],
    kind: Annotated[str | None, typer.Option(help="Loại nguồn / source kind")] = None,
    name: Annotated[str | None, typer.Option(help="Tên / name")] = None,
    key: Annotated[str | None, typer.Option(help="Khóa nguồn / source key")] = None,
    feed: Annotated[list[str] | None, typer.Option(help="URL feed RSS/Atom (lặp lại được)")] = None,
    owner: Annotated[str | None, typer.Option(help="Cơ quan chủ quản / owner")] = None,
    licence: Annotated[str | None, typer.Option(help="Số giấy phép / licence number")] = None,
    licence_scope: Annotated[str | None, typer.Option(help="press | aggregator")] = None,
    followers: Annotated[int | None, typer.Option(help="Số người theo dõi")] = None,
    official: Annotated[bool | None, typer.Option("--official/--not-official")] = None,
    verified: Annotated[bool | None, typer.Option("--verified/--not-verified")] = None,
    partner: Annotated[bool | None, typer.Option("--partner/--not-partner")] = None,
    district: Annotated[str | None, typer.Option(help="Quận/huyện")] = None,
    ward: Annotated[str | None, typer.Option(help="Phường/xã")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Nhãn (lặp lại được)")] = None,
    interval: Annotated[int | None, typer.Option(help="Chu kỳ thu thập (giây)")] = None,
) -> None:
    """Thêm nguồn / add a source."""
    from vimon.collect.sources import add_source, source_fields

    text = {"key": key, "owner": owner, "licence": licence, "licence_scope": licence_scope,
            "district": district, "ward": ward, "feed_urls": ";".join(feed or []),
            "tags": ";".join(tag or []),
            "followers": "" if followers is None else str(followers),
            "crawl_interval": "" if interval is None else str(interval)}
    try:
        fields = source_fields({k: v or "" for k, v in text.items()})
    except ValueError as exc:
        raise VimonError("VM-SRC-004", f"Giá trị không hợp lệ / invalid value: {exc}") from exc
    for flag, value in (("official", official), ("verified", verified), ("partner", partner)):
        if value is not None:
            fields[flag] = value
    src = add_source(_store(), url, kind=kind, name=name, **fields)
    out.print(f"Đã thêm / added: [bold]{src['key']}[/] ({src['kind']})")


@sources_app.command("list")
def sources_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Liệt kê nguồn / list sources."""
    rows = _store().list_sources()
    if as_json:
        for r in rows:
            print(json.dumps({k: r[k] for k in ("id", "key", "name", "kind", "url", "followers",
                                               "official", "items")}, ensure_ascii=False))
        return
    table = Table("key", "tên / name", "loại / kind", "tin / items")
    for r in rows:
        table.add_row(r["key"], r["name"] or "", r["kind"], str(r["items"]))
    out.print(table)


@sources_app.command("import")
def sources_import(file: Annotated[Path, typer.Argument(help="Tệp CSV nguồn")]) -> None:
    """Nhập danh sách nguồn từ CSV / import sources from CSV."""
    from vimon.collect.sources import import_sources_csv

    added, errors = import_sources_csv(_store(), file)
    out.print(f"Đã nhập / imported: {added}; lỗi / errors: {len(errors)}")
    for e in errors[:20]:
        out.print(f"  - {e}", markup=False)


@app.command("quarantine")
def quarantine_list(
    limit: Annotated[int, typer.Option(help="Số dòng")] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Xem các dòng bị cách ly / list quarantined input."""
    rows, total = _store().list_quarantine(limit=limit)
    if as_json:
        for r in rows:
            print(json.dumps({k: r[k] for k in ("id", "origin", "line", "reason_code", "reason")},
                             ensure_ascii=False))
        return
    out.print(f"Tổng / total: {total}")
    table = Table("id", "nguồn / origin", "dòng / line", "mã / code", "lý do / reason")
    for r in rows:
        table.add_row(str(r["id"]), r["origin"], str(r["line"] or ""), r["reason_code"],
                      r["reason"][:100])
    out.print(table)


@app.command()
def bench(
    only: Annotated[str | None, typer.Option(help="Chỉ chạy benchmark có tên chứa chuỗi này")] = None,
) -> None:
    """Chạy bộ benchmark (cần mã nguồn đầy đủ) / run the benchmark suite."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    runner = root / "bench" / "run.py"
    if not runner.is_file():
        raise VimonError("VM-BENCH-001", "Không tìm thấy bench/run.py (cần bản checkout mã nguồn).",
                         "Chạy trong thư mục mã nguồn: make bench")
    cmd = [sys.executable, str(runner)] + (["--only", only] if only else [])
    raise typer.Exit(subprocess.call(cmd, cwd=root))


def _register_ml() -> None:
    try:
        from vimon.ml import commands as ml  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return
    app.command("train")(ml.train)
    app.command("classify")(ml.classify)
    app.command("eval")(ml.eval_)
    if hasattr(ml, "models"):
        app.command("models")(ml.models)


_register_ml()


def _register_workflow() -> None:
    from vimon.workflow.commands import register

    register(app)


_register_workflow()


def _register_collect() -> None:
    from vimon.collect import commands as col

    app.command("collect")(col.collect)
    app.add_typer(col.evidence_app, name="evidence")


_register_collect()


def _register_outreach() -> None:
    """vimon partners rank · vimon agencies check · vimon compliance report."""
    import json as _json

    partners_app = typer.Typer(help="Đối tác lan tỏa thông tin / partner pages.", no_args_is_help=True)
    agencies_app = typer.Typer(help="Mạo danh cơ quan nhà nước / agency impersonation.",
                               no_args_is_help=True)
    compliance_app = typer.Typer(help="Tuân thủ trang tổng hợp (báo hóa) / aggregator compliance.",
                                 no_args_is_help=True)
    app.add_typer(partners_app, name="partners")
    app.add_typer(agencies_app, name="agencies")
    app.add_typer(compliance_app, name="compliance")

    @partners_app.command("rank")
    def partners_rank(topics: Annotated[str, typer.Option(help="Chủ đề, phân cách dấu phẩy")] = "",
                      as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Xếp hạng trang/nhóm ứng viên đối tác / rank partner candidates."""
        from vimon.analysis.partners import rank

        rows = rank(_store(), get_settings(), days=get_settings().partner_window_days,
                    topics=[t.strip() for t in topics.split(",") if t.strip()] or None)
        for r in rows:
            if as_json:
                print(_json.dumps({k: r[k] for k in ("rank", "source", "name", "followers", "score",
                                                     "eligible", "blockers", "components")},
                                  ensure_ascii=False))
            else:
                out.print(f"{r['rank']:>3} {r['score']:.3f} {'✔' if r['eligible'] else ' '} "
                          f"{r['name']} ({r['followers']:,}) {'; '.join(r['blockers'])}", highlight=False)

    @agencies_app.command("check")
    def agencies_check(names: Annotated[list[str] | None, typer.Argument(
            help="Tên trang/tài khoản hoặc tên miền cần kiểm tra; trống = quét mọi nguồn đã thu thập")] = None,
                       url: Annotated[str | None, typer.Option(help="Địa chỉ trang (cho một tên)")] = None) -> None:
        """Kiểm tra mạo danh cơ quan / check names, domains or all collected sources."""
        from vimon.detect import impersonation

        if not names:
            out.print(impersonation.scan(_store()))
            return
        reg = impersonation.registry()
        for n in names:
            v = reg.check_domain(n) if ("." in n and " " not in n and url is None) else \
                reg.check_account(n, url)
            print(_json.dumps(v.as_dict(), ensure_ascii=False))

    @compliance_app.command("report")
    def compliance_report(source: Annotated[str | None, typer.Option(help="Khóa nguồn")] = None,
                          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Kiểm tra và báo cáo tuân thủ của trang tổng hợp / check and report aggregators."""
        from vimon.detect import compliance

        store = _store()
        compliance.check_all(store)
        for s in compliance.report(store, source):
            if as_json:
                print(_json.dumps(s, ensure_ascii=False, default=str))
                continue
            out.print(f"{s['name']} ({s['source']}): {s['violating']}/{s['articles']} bài vi phạm "
                      f"({s['rate'] * 100:.0f}%)", highlight=False)
            for o in s["offending"]:
                out.print(f"  #{o['item_id']} {o['title']}: "
                          + "; ".join(r["title"] for r in o["rules"]), highlight=False)


_register_outreach()


from vimon.analysis.commands import alerts_app, trends_app, watchlists_app  # noqa: E402

app.add_typer(watchlists_app, name="watchlists")
app.add_typer(alerts_app, name="alerts")
app.add_typer(trends_app, name="trends")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except VimonError as exc:
        err.print(f"[bold red]Lỗi / error[/] {exc}", markup=True, highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("Đã dừng / interrupted")
        sys.exit(130)
    except Exception as exc:  # last resort: a message and a log file, never a traceback
        log_path = _write_crash_log()
        err.print(
            f"[bold red]Lỗi nội bộ / internal error[/]: {type(exc).__name__}: {exc}\n"
            f"Chi tiết đã ghi vào / details written to: {log_path}",
            highlight=False,
        )
        sys.exit(70)


def _write_crash_log() -> str:
    try:
        home = get_settings().home
    except VimonError:
        home = Path("vimon-data")
    path = Path(home) / "logs" / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(f"--- {datetime.now().isoformat()}\n{traceback.format_exc()}\n")
    except OSError:
        return "(không ghi được / could not write)"
    return str(path)


if __name__ == "__main__":
    main()
