"""Outcome codes of collection: data, so the UI and the docs can list and explain them.

Each code is either *transient* (the URL is retried on a later run, with backoff) or
*permanent* (the URL is given up and a quarantine entry keeps the reason and the bytes).
"""

from __future__ import annotations

COLLECT_REASONS: dict[str, str] = {
    # transport
    "robots_disallow": "robots.txt không cho phép tải / disallowed by robots.txt",
    "robots_unreachable": "Không đọc được robots.txt (lỗi máy chủ) / robots.txt unreachable",
    "connect_timeout": "Hết thời gian kết nối / connect timeout",
    "read_timeout": "Hết thời gian chờ dữ liệu / read timeout",
    "total_timeout": "Vượt tổng thời gian cho một lần tải / total time limit exceeded",
    "connection_error": "Lỗi kết nối / connection failed",
    "rate_limited": "Máy chủ yêu cầu chậm lại (429) / rate limited (429)",
    "http_5xx": "Máy chủ lỗi (5xx) / server error (5xx)",
    "http_4xx": "Trang không truy cập được (4xx) / client error (4xx)",
    "http_404": "Không tìm thấy trang (404) / not found (404)",
    "redirect_loop": "Chuyển hướng vòng lặp / redirect loop",
    "too_many_redirects": "Quá nhiều lần chuyển hướng / too many redirects",
    "off_source_redirect": "Chuyển hướng ra ngoài nguồn / redirect leaves the source",
    "body_too_large": "Nội dung vượt giới hạn kích thước / body over the size limit",
    "decompression_bomb": "Nội dung nén giải ra quá lớn (bom nén) / compression bomb",
    "bad_content_encoding": "Mã hóa nén hỏng hoặc không hỗ trợ / bad content encoding",
    "bad_content_type": "Kiểu nội dung không phù hợp / unexpected content type",
    # content
    "bad_feed": "Feed RSS/Atom hỏng, không đọc được mục nào / malformed feed",
    "not_a_feed": "Địa chỉ feed trả về trang không phải feed / the feed URL is not a feed",
    "bad_sitemap": "Sitemap hỏng / malformed sitemap",
    "no_article": "Trang không có nội dung bài viết / no article on the page",
    "bad_encoding": "Không giải mã được ký tự / undecodable characters",
    # platform APIs
    "api_error": "API nền tảng trả lỗi / platform API error",
    "auth_error": "Mã truy cập API không hợp lệ hoặc hết hạn / API token invalid or expired",
    "permission_denied": "Mã truy cập không có quyền với đối tượng này / token lacks permission",
    "quota_exceeded": "Hết hạn mức API / API quota exhausted",
    "not_configured": "Chưa cấu hình mã truy cập nền tảng / platform token not configured",
    "bad_source": "Cấu hình nguồn không hợp lệ / source is misconfigured",
    "file_error": "Không đọc được tệp thả vào / dropped file could not be read",
}

TRANSIENT = frozenset({
    "robots_unreachable", "connect_timeout", "read_timeout", "total_timeout",
    "connection_error", "rate_limited", "http_5xx", "quota_exceeded",
})


def describe(code: str) -> str:
    return COLLECT_REASONS.get(code, code)
