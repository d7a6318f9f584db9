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
    classify_batch_size: int = Field(
        2000, description="Số văn bản mỗi lô phân loại. Texts per classification batch."
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
