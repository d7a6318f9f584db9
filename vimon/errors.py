"""Coded errors with actionable messages.

Every error a user can see carries a stable code (``VM-xxx``), a message in Vietnamese
first and English second, and optionally a hint saying what to do. The CLI and the web
layer print these; they never show a traceback.
"""

from __future__ import annotations


class VimonError(Exception):
    """An error that is shown to a user as is (code + message + hint)."""

    exit_code = 1

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.hint:
            text += f"\n  → {self.hint}"
        return text


class ConfigError(VimonError):
    """Settings are invalid or unsafe for the deployment."""


class StoreError(VimonError):
    """The database cannot be reached, created or migrated."""


class InputError(VimonError):
    """A file or request cannot be read at all (as opposed to a single bad row)."""

    exit_code = 2


class NotFound(VimonError):
    """A requested object does not exist."""


# Codes used for rejected rows (quarantine reasons). Data, so the UI can list and filter them.
REJECT_REASONS: dict[str, str] = {
    "bad_json": "Dòng không phải JSON hợp lệ / line is not valid JSON",
    "not_object": "Dòng JSON không phải một đối tượng / JSON line is not an object",
    "bad_csv": "Dòng CSV hỏng / malformed CSV row",
    "missing_text": "Thiếu trường text hoặc text rỗng / text is missing or empty",
    "wrong_type": "Trường có kiểu dữ liệu sai / a field has the wrong type",
    "text_too_long": "Văn bản vượt giới hạn độ dài / text is over the size limit",
    "row_too_large": "Dòng vượt giới hạn kích thước / row is over the size limit",
    "invalid_date": "Ngày giờ không hợp lệ / invalid date or time",
    "bad_encoding": "Không giải mã được ký tự / undecodable characters",
    "bad_url": "URL không hợp lệ / invalid URL",
    "bad_file": "Không đọc được tệp / the file could not be read",
}
