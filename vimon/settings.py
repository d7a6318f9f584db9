"""One Settings object for the whole system.

Values come from, in order of precedence: environment variables ``VIMON_<KEY>``, an optional
``vimon.toml`` (path in ``VIMON_CONFIG``, else ``./vimon.toml``), then the defaults below. A
partial TOML file overrides only the keys it sets. Every key is documented in
``docs/settings.md``; a test fails when one is not.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from vimon.errors import ConfigError


def _config_file() -> Path:
    return Path(os.environ.get("VIMON_CONFIG", "vimon.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIMON_", extra="ignore")

    environment: Literal["local", "test", "production"] = Field(
        "local",
        description="Môi trường triển khai; 'production' từ chối các bí mật mặc định. "
        "Deployment environment; 'production' refuses defaulted secrets.",
    )
    home: Path = Field(
        Path("vimon-data"),
        description="Thư mục dữ liệu (CSDL SQLite, mô hình, bằng chứng). Data folder.",
    )
    database_url: str | None = Field(
        None,
        description="URL SQLAlchemy của CSDL; trống = tệp SQLite trong home. "
        "e.g. postgresql+psycopg://user@host/db",
    )
    host: str = Field("127.0.0.1", description="Địa chỉ web UI lắng nghe. Web bind address.")
    port: int = Field(8000, description="Cổng web UI. Web port.")
    api_token: str | None = Field(
        None,
        description="Mã truy cập cho POST /api/ingest (bắt buộc khi dùng API ghi). "
        "Token required by write APIs.",
    )
    api_max_body_bytes: int = Field(
        50 * 1024 * 1024,
        description="Kích thước tối đa của thân yêu cầu POST /api/ingest (byte). "
        "Largest accepted ingest request body.",
    )
    max_text_chars: int = Field(
        200_000,
        description="Độ dài tối đa của một văn bản (ký tự); dài hơn bị cách ly. "
        "Longest accepted text, in characters.",
    )
    max_row_bytes: int = Field(
        32 * 1024 * 1024,
        description="Kích thước tối đa của một dòng nhập (byte). Largest input row read.",
    )
    quarantine_keep_bytes: int = Field(
        1024 * 1024,
        description="Số byte của dòng bị từ chối được giữ nguyên văn (phần còn lại: băm SHA-256). "
        "Bytes of a rejected row kept verbatim; the rest is recorded by its SHA-256.",
    )
    ingest_batch_size: int = Field(
        2000,
        description="Số bản ghi mỗi lô khi nhập (lô lớn hơn: ít lần ghi đĩa hơn). "
        "Items per pipeline batch; larger batches mean fewer commits.",
    )
    queue_url: str | None = Field(
        None,
        description="URL Redis của hàng đợi (chế độ phân tán, `vimon worker`); trống = chạy tại "
        "chỗ. Redis URL of the pipeline queue (distributed mode).",
    )
    queue_namespace: str = Field(
        "vimon", description="Tiền tố khóa Redis của hàng đợi. Redis key prefix of the queue."
    )
    queue_batch_items: int = Field(
        200, ge=1, le=10_000,
        description="Số tin mỗi thông điệp trong hàng đợi. Items per queue message.",
    )
    queue_heartbeat_ms: int = Field(
        60_000, ge=500,
        description="Sau bao lâu không có nhịp tim thì worker bị coi là chết và thông điệp chưa "
        "xác nhận của nó được trả lại hàng đợi (ms). Silence after which a worker is dead and "
        "its unacknowledged messages are requeued.",
    )
    queue_maintenance_chance: int = Field(
        1_000, ge=1, le=1_000_000,
        description="Số lệnh trên một triệu kích hoạt việc dọn hàng đợi (trả lại thông điệp của "
        "worker chết). Commands per million that trigger queue maintenance.",
    )
    ingest_overlap: bool = Field(
        True,
        description="Ghi lô trước trên một luồng riêng trong khi xử lý lô sau (SQLite/PostgreSQL "
        "nhả GIL khi ghi). Write one batch on a thread while the next is processed.",
    )
    dedupe_num_perm: int = Field(
        64, description="Số hoán vị MinHash. MinHash permutations."
    )
    dedupe_bands: int = Field(
        16, description="Số dải LSH (num_perm chia hết cho số dải). LSH bands."
    )
    dedupe_threshold: float = Field(
        0.5,
        description="Ngưỡng Jaccard ước lượng để coi là gần trùng. Near-duplicate Jaccard threshold.",
    )
    dedupe_shingle: int = Field(
        3, description="Độ dài shingle theo âm tiết. Shingle length in syllables."
    )
    classify_on_ingest: bool = Field(
        True,
        description="Chạy các mô hình đang hoạt động khi nhập dữ liệu. "
        "Run the active models during ingest.",
    )
    toxicity_flag_threshold: float = Field(
        0.9,
        description="Ngưỡng P(xúc phạm) để gắn cờ khi nhập (mô hình học trên dữ liệu cân bằng). "
        "P(offensive) needed to flag an item on ingest.",
    )
    classify_batch_size: int = Field(
        2000, description="Số văn bản mỗi lô phân loại. Texts per classification batch."
    )

    # --- accounts, workflow and citizen portal (vimon.auth, vimon.workflow, vimon.portal) ---
    secret_key: str | None = Field(
        None,
        description="Khóa bí mật ký phiên đăng nhập, CSRF, thử thách chống spam và mã hóa thông tin "
        "liên hệ; bắt buộc (≥ 32 ký tự) trong production, ở local/test tự sinh vào home. "
        "Secret for sessions, CSRF, proof-of-work and contact encryption.",
    )
    session_hours: int = Field(
        12, description="Thời hạn một phiên đăng nhập (giờ). Session lifetime in hours."
    )
    cookie_secure: bool = Field(
        False,
        description="Chỉ gửi cookie qua HTTPS (luôn bật trong production). "
        "Send cookies over HTTPS only (always on in production).",
    )
    login_max_failures: int = Field(
        5, description="Số lần đăng nhập sai liên tiếp trước khi khóa tài khoản. "
        "Failed logins before an account is locked.",
    )
    login_lockout_minutes: int = Field(
        15, description="Thời gian khóa tài khoản sau khi sai quá số lần (phút). Lockout minutes."
    )
    login_rate_per_minute: int = Field(
        10, description="Số lần thử đăng nhập tối đa mỗi phút từ một địa chỉ IP. "
        "Login attempts per minute per IP.",
    )
    report_rate_per_ip_hour: int = Field(
        20, description="Số phản ánh tối đa mỗi giờ từ một địa chỉ IP. Citizen reports per hour per IP.",
    )
    report_rate_per_network_hour: int = Field(
        300, description="Số phản ánh tối đa mỗi giờ từ một mạng (/24 IPv4, /48 IPv6). "
        "Citizen reports per hour per network.",
    )
    report_pow_bits: int = Field(
        16, description="Độ khó bằng chứng công việc của biểu mẫu phản ánh (số bit 0 đầu). "
        "Proof-of-work difficulty of the report form, in leading zero bits.",
    )
    report_max_upload_bytes: int = Field(
        5 * 1024 * 1024,
        description="Kích thước tối đa ảnh chụp màn hình đính kèm phản ánh (byte). "
        "Largest screenshot accepted with a report.",
    )
    report_contact_retention_days: int = Field(
        180, description="Số ngày giữ thông tin liên hệ của người phản ánh trước khi xóa "
        "(Nghị định 13/2023/NĐ-CP). Days a reporter's contact data is kept.",
    )
    review_model_threshold: float = Field(
        0.7, description="Điểm tối thiểu của nhãn mô hình (độc hại, không tin cậy) để đưa tin vào "
        "hàng đợi rà soát. Model score that flags an item for review.",
    )
    debunk_match_threshold: float = Field(
        0.6, description="Tỷ lệ cụm từ của nhận định đã bác bỏ phải có trong tin để coi là trùng "
        "khớp. Share of a debunked claim's word pairs an item must contain to match.",
    )
    letter_font: str | None = Field(
        None, description="Tệp phông TTF có đủ dấu tiếng Việt cho công văn PDF; trống = tìm DejaVu "
        "Sans. TTF font for PDF letters; empty = look for DejaVu Sans.",
    )
    org_parent: str = Field(
        "UBND THÀNH PHỐ HÀ NỘI", description="Cơ quan chủ quản ghi trên công văn. "
        "Parent authority printed on letters.",
    )
    org_name: str = Field(
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", description="Cơ quan ban hành công văn. "
        "Issuing office printed on letters.",
    )

    collect_user_agent: str = Field(
        "vimon/0.1 (giam sat thong tin; +https://example.gov.vn/vimon)",
        description="User-Agent gửi khi thu thập (nên ghi cơ quan và địa chỉ liên hệ). "
        "User-Agent sent by the collectors.",
    )
    collect_interval: int = Field(
        900,
        description="Chu kỳ thu thập mặc định của một nguồn (giây); nguồn có thể đặt riêng. "
        "Default seconds between two collections of a source.",
    )
    collect_concurrency: int = Field(
        8, description="Số yêu cầu HTTP đồng thời tối đa. Most HTTP requests in flight."
    )
    collect_chunk_pages: int = Field(
        64, ge=8, le=2048,
        description="Số trang bài tải xong thì được trích xuất và lưu cùng nhau; lớn hơn thì nhanh "
        "hơn khi thu hàng loạt, nhỏ hơn thì tin vào hệ thống sớm hơn khi có giãn cách giữa các "
        "yêu cầu. Article pages extracted and stored together: larger is faster for bulk "
        "crawls, smaller stores sooner when requests are spaced out.",
    )
    collect_host_concurrency: int = Field(
        2, description="Số yêu cầu đồng thời tối đa tới một máy chủ. Most requests in flight per host."
    )
    collect_host_delay: float = Field(
        1.0,
        description="Khoảng cách tối thiểu giữa hai yêu cầu tới một máy chủ (giây; robots.txt "
        "Crawl-delay lớn hơn thì theo robots). Seconds between two requests to one host.",
    )
    collect_connect_timeout: float = Field(
        10.0, description="Thời gian chờ kết nối (giây). Connect timeout, seconds."
    )
    collect_read_timeout: float = Field(
        20.0, description="Thời gian chờ giữa hai lần nhận dữ liệu (giây). Read timeout, seconds."
    )
    collect_total_timeout: float = Field(
        60.0,
        description="Thời gian tối đa cho một lần tải, kể cả máy chủ trả từng byte (giây). "
        "Total time for one request, slow servers included.",
    )
    collect_max_body_bytes: int = Field(
        10 * 1024 * 1024,
        description="Kích thước tối đa nhận qua mạng cho một trang (byte). Largest body on the wire.",
    )
    collect_max_decoded_bytes: int = Field(
        20 * 1024 * 1024,
        description="Kích thước tối đa sau giải nén gzip/deflate/brotli (chặn bom nén; byte). "
        "Largest body after decompression (stops compression bombs).",
    )
    collect_max_redirects: int = Field(
        5, description="Số lần chuyển hướng tối đa. Most redirects followed."
    )
    collect_retries: int = Field(
        3,
        description="Số lần thử lại khi gặp 429/5xx/hết giờ/lỗi kết nối. "
        "Retries on 429, 5xx, timeouts and connection errors.",
    )
    collect_backoff_base: float = Field(
        1.0,
        description="Thời gian chờ cơ sở khi thử lại (giây; nhân đôi mỗi lần, có jitter). "
        "Base of the exponential backoff with jitter, seconds.",
    )
    collect_backoff_max: float = Field(
        60.0, description="Thời gian chờ tối đa giữa hai lần thử (giây). Longest backoff, seconds."
    )
    collect_retry_after_max: float = Field(
        120.0,
        description="Retry-After dài hơn mức này (giây): bỏ lượt, hẹn lần thu sau. "
        "A longer Retry-After ends the run and postpones the source.",
    )
    collect_respect_robots: bool = Field(
        True, description="Tuân thủ robots.txt. Honour robots.txt."
    )
    collect_unhealthy_after: int = Field(
        5,
        description="Số lần lỗi liên tiếp để đánh dấu nguồn không ổn định. "
        "Failed runs in a row before a source is marked unhealthy.",
    )
    collect_max_pages_per_run: int = Field(
        500,
        description="Số trang bài viết tối đa tải cho một nguồn trong một lượt. "
        "Article pages fetched per source per run.",
    )
    collect_min_article_chars: int = Field(
        80,
        description="Độ dài tối thiểu của nội dung bài trích được (ký tự); ngắn hơn: 'không có bài'. "
        "Shortest extracted article text accepted.",
    )
    collect_extract_workers: int = Field(
        0,
        description="Số tiến trình trích xuất nội dung HTML (0 = tự chọn theo số lõi khi nhiều "
        "trang). Extraction processes (0 = automatic).",
    )
    collect_lease_seconds: int = Field(
        900,
        description="Thời hạn giữ một nguồn của một tiến trình thu thập (giây). "
        "How long a collector holds a source.",
    )
    collect_drop_dir: Path | None = Field(
        None,
        description="Thư mục thả tệp JSONL/CSV để thu thập; trống = <home>/drop. "
        "Watched folder of JSONL/CSV drops.",
    )
    facebook_token: str | None = Field(
        None,
        description="Mã truy cập Facebook Graph API (trang/nhóm được cấp quyền). Graph API token.",
    )
    facebook_api_base: str = Field(
        "https://graph.facebook.com/v19.0",
        description="Địa chỉ gốc Graph API (đổi khi thử nghiệm). Graph API base URL.",
    )
    youtube_api_key: str | None = Field(
        None, description="Khóa YouTube Data API v3. YouTube Data API v3 key."
    )
    youtube_api_base: str = Field(
        "https://www.googleapis.com/youtube/v3",
        description="Địa chỉ gốc YouTube Data API (đổi khi thử nghiệm). YouTube API base URL.",
    )

    # --- search, trends and alerts (vimon.analysis, vimon.alerts) ---
    burst_p_value: float = Field(
        1e-3, description="Ngưỡng xác suất để coi một giờ là đột biến (nhỏ hơn: ít cảnh báo "
        "hơn; hiệu chỉnh trên chuỗi tổng hợp, xem docs/analysis.md). Burst tail-probability threshold.",
    )
    burst_min_count: int = Field(
        5, description="Số tin tối thiểu trong một giờ để coi là đột biến. "
        "Fewest items in an hour for a burst.",
    )
    issue_window_hours: int = Field(
        48, description="Cửa sổ thời gian xét vấn đề dư luận mới nổi (giờ). "
        "Window for issues of public concern, hours.",
    )
    alert_issue_min_volume: int = Field(
        10, description="Số tin tối thiểu của một vấn đề để gửi cảnh báo. Issue alert volume.",
    )
    alert_issue_min_sources: int = Field(
        3, description="Số nguồn tối thiểu của một vấn đề để gửi cảnh báo. Issue alert sources.",
    )
    alert_risk_threshold: float = Field(
        0.85, description="Điểm rủi ro tối thiểu của một tin để gửi cảnh báo. "
        "Risk score that raises a high-risk alert.",
    )
    alert_max_per_hour: int = Field(
        30, description="Số cảnh báo gửi tối đa mỗi giờ; phần vượt được lưu là 'throttled'. "
        "Alerts sent per hour at most; the rest are kept as throttled.",
    )
    alert_timeout: float = Field(
        10.0, description="Thời gian chờ khi gửi một cảnh báo (giây). Delivery timeout, seconds."
    )
    alert_email_to: str | None = Field(
        None, description="Địa chỉ nhận cảnh báo qua thư (nhiều địa chỉ cách nhau bởi dấu phẩy). "
        "Alert e-mail recipients, comma-separated.",
    )
    smtp_host: str | None = Field(None, description="Máy chủ SMTP gửi cảnh báo. SMTP host.")
    smtp_port: int = Field(25, description="Cổng SMTP. SMTP port.")
    smtp_user: str | None = Field(None, description="Tài khoản SMTP (nếu cần). SMTP user.")
    smtp_password: str | None = Field(None, description="Mật khẩu SMTP. SMTP password.")
    smtp_from: str = Field(
        "vimon@localhost", description="Địa chỉ người gửi thư cảnh báo. Sender address."
    )
    smtp_starttls: bool = Field(False, description="Dùng STARTTLS với SMTP. Use STARTTLS.")
    alert_webhook_url: str | None = Field(
        None, description="URL nhận cảnh báo dạng JSON (POST). Webhook URL for alerts.",
    )
    alert_webhook_secret: str | None = Field(
        None, description="Khóa ký HMAC-SHA256 cho webhook (tiêu đề X-Vimon-Signature). "
        "Webhook signing secret.",
    )
    telegram_bot_token: str | None = Field(
        None, description="Mã bot Telegram gửi cảnh báo. Telegram bot token."
    )
    telegram_chat_id: str | None = Field(
        None, description="Mã cuộc trò chuyện/nhóm Telegram nhận cảnh báo. Telegram chat id."
    )
    telegram_api_base: str = Field(
        "https://api.telegram.org",
        description="Địa chỉ gốc Telegram Bot API (đổi khi thử nghiệm). Telegram API base URL.",
    )

    partner_min_followers: int = Field(
        50_000,
        description="Số người theo dõi tối thiểu để một trang/nhóm đủ điều kiện làm đối tác lan tỏa "
        "thông tin tích cực (QĐ 3550). Followers a partner page needs.",
    )
    partner_window_days: int = Field(
        90, description="Số ngày dữ liệu dùng để chấm điểm đối tác. Days of posts scored for partners."
    )

    @field_validator("dedupe_bands")
    @classmethod
    def _bands_divide(cls, v: int, info: Any) -> int:
        perm = info.data.get("dedupe_num_perm", 64)
        if v <= 0 or perm % v:
            raise ValueError(f"dedupe_bands={v} must divide dedupe_num_perm={perm}")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file()
        if path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'vimon.sqlite').resolve()}"

    def check_safe(self) -> None:
        """Refuse unsafe values outside local use (no defaulted or placeholder secrets)."""
        if self.environment != "production":
            return
        token = self.api_token or ""
        if len(token) < 24 or token.lower() in {"changeme", "secret", "token", "demo"}:
            raise ConfigError(
                "VM-CFG-001",
                "VIMON_API_TOKEN chưa được đặt hoặc quá yếu trong môi trường production. "
                "API token missing or weak in production.",
                "Đặt VIMON_API_TOKEN (≥ 24 ký tự ngẫu nhiên). Set a random token of ≥ 24 chars.",
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError or TOML syntax
        raise ConfigError(
            "VM-CFG-000",
            f"Cấu hình không hợp lệ / invalid settings: {exc}",
            "Kiểm tra biến VIMON_* và vimon.toml (docs/settings.md).",
        ) from exc


def reset_settings() -> None:
    """Forget the cached settings (tests and the demo change the environment)."""
    get_settings.cache_clear()
