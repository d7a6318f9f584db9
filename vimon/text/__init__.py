"""Vietnamese text: normalization, tone style, teencode, folding, tokens, encodings.

Xử lý văn bản tiếng Việt: chuẩn hóa Unicode và kiểu bỏ dấu, mở rộng teencode, bỏ dấu để tìm
kiếm, tách âm tiết và tách từ, giải mã bảng mã cũ (VNI, TCVN3, Windows-1258). See docs/text.md.
"""

from vimon.text.encodings import decode_bytes, legacy_to_unicode
from vimon.text.fold import fold
from vimon.text.normalize import normalize
from vimon.text.segment import segment
from vimon.text.teencode import TEENCODE, expand_teencode
from vimon.text.tokens import syllables

__all__ = [
    "TEENCODE",
    "decode_bytes",
    "expand_teencode",
    "fold",
    "legacy_to_unicode",
    "normalize",
    "segment",
    "syllables",
]
