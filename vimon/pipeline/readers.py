"""Streaming readers for JSONL and CSV input (files or standard input).

Each reader yields ``(line, row_or_rejection, raw)`` one row at a time and reports bytes
consumed, so a 1 GB file is read in constant memory. A single bad row becomes a
:class:`Rejection`; only an unreadable file raises :class:`InputError`.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from vimon.errors import REJECT_REASONS, InputError
from vimon.records import Rejection

Row = tuple[int, Any, bytes]  # (line number, dict | Rejection, raw bytes)


def detect_format(path: str, head: bytes) -> str:
    name = path.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if stripped[:1] in (b"{", b"[") else "csv"


def _skip_rest_of_line(f: IO[bytes], chunk: int = 1 << 20) -> int:
    skipped = 0
    while True:
        part = f.readline(chunk)
        skipped += len(part)
        if not part or part.endswith(b"\n"):
            return skipped


def read_jsonl(
    f: IO[bytes], origin: str, max_row: int, on_bytes: Callable[[int], None]
) -> Iterator[Row]:
    line_no = 0
    first = True
    while True:
        raw = f.readline(max_row + 1)
        if not raw:
            return
        line_no += 1
        on_bytes(len(raw))
        if len(raw) > max_row and not raw.endswith(b"\n"):
            skipped = _skip_rest_of_line(f)
            on_bytes(skipped)
            yield line_no, Rejection(
                origin, line_no, "row_too_large",
                f"line {line_no} is over {max_row:,} bytes ({len(raw) + skipped:,} bytes)", raw,
            ), raw
            continue
        if first:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
            first = False
        body = raw.strip()
        if not body:
            continue
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            code = "bad_encoding" if "utf-8" in str(exc).lower() else "bad_json"
            yield line_no, Rejection(
                origin, line_no, code, f"{REJECT_REASONS[code]} at line {line_no}: {exc}", raw
            ), raw
            continue
        if isinstance(obj, list):  # a JSON array on one line: each element is a row
            for el in obj:
                yield line_no, el, orjson.dumps(el)
        else:
            yield line_no, obj, raw


class _CountingReader(io.RawIOBase):
    """Counts bytes handed to the CSV text layer, for the progress bar."""

    def __init__(self, f: IO[bytes], on_bytes: Callable[[int], None]) -> None:
        self._f = f
        self._on = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._f.read(len(b))
        n = len(data)
        b[:n] = data
        self._on(n)
        return n


def read_csv(
    f: IO[bytes], origin: str, max_row: int, on_bytes: Callable[[int], None]
) -> Iterator[Row]:
    csv.field_size_limit(max_row)
    text = io.TextIOWrapper(
        io.BufferedReader(_CountingReader(f, on_bytes)), encoding="utf-8-sig",
        errors="replace", newline="",
    )
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError("VM-IN-003", f"Không đọc được dòng tiêu đề CSV / bad CSV header: {exc}") from exc
    header = [h.strip() for h in header]
    if "text" not in header:
        raise InputError(
            "VM-IN-004",
            f"Tệp CSV {origin} thiếu cột 'text' / CSV has no 'text' column "
            f"(columns: {', '.join(header[:20])})",
        )
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            raw = f"<unparsable CSV row near line {line}>".encode()
            yield line, Rejection(origin, line, "bad_csv", f"{REJECT_REASONS['bad_csv']} near line {line}: {exc}", raw), raw
            continue
        line = reader.line_num
        if not any(fields):
            continue
        raw = ",".join(fields).encode("utf-8", "surrogatepass")
        if len(fields) != len(header):
            yield line, Rejection(
                origin, line, "bad_csv",
                f"row at line {line} has {len(fields)} fields, the header has {len(header)}", raw,
            ), raw
            continue
        yield line, dict(zip(header, fields, strict=True)), raw


def open_input(path: str) -> tuple[IO[bytes], int | None, str]:
    """Open a path (or '-' for stdin) for binary reading; returns (file, size, origin)."""
    if path == "-":
        return sys.stdin.buffer, None, "stdin"
    p = Path(path)
    try:
        return p.open("rb"), p.stat().st_size, p.name
    except FileNotFoundError as exc:
        raise InputError("VM-IN-001", f"Không tìm thấy tệp / file not found: {path}") from exc
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError("VM-IN-002", f"Không đọc được tệp / cannot read: {path} ({exc.strerror})") from exc


def iter_rows(
    f: IO[bytes], path: str, origin: str, max_row: int, on_bytes: Callable[[int], None]
) -> Iterator[Row]:
    peek = f.peek(64)[:64] if hasattr(f, "peek") else b""
    fmt = detect_format(path, peek)
    reader = read_jsonl if fmt == "jsonl" else read_csv
    yield from reader(f, origin, max_row, on_bytes)
