"""Reading labeled and unlabeled rows from CSV / JSONL files, with specific errors."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

csv.field_size_limit(sys.maxsize)


class DataError(Exception):
    """A data file cannot be used; the message names the file, line or column at fault."""


def _rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, row) pairs of a ``.csv``/``.tsv`` or ``.jsonl``/``.json`` file."""
    if not path.is_file():
        raise DataError(f"file not found: {path}")
    suffix = path.suffix.lower()
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DataError(f"cannot open {path}: {exc}") from exc
    with fh:
        try:
            if suffix in (".jsonl", ".ndjson", ".json"):
                first = fh.read(1)
                fh.seek(0)
                if suffix == ".json" and first == "[":
                    for i, row in enumerate(json.load(fh), start=1):
                        if not isinstance(row, dict):
                            raise DataError(f"{path}: item {i} is not a JSON object")
                        yield i, row
                    return
                for lineno, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DataError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc
                    if not isinstance(row, dict):
                        raise DataError(f"{path}:{lineno}: the line is not a JSON object")
                    yield lineno, row
            else:
                delimiter = "\t" if suffix == ".tsv" else ","
                reader = csv.DictReader(fh, delimiter=delimiter)
                if not reader.fieldnames:
                    raise DataError(f"{path}: empty CSV file (no header row)")
                for row in reader:
                    yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except csv.Error as exc:
            raise DataError(f"{path}: malformed CSV ({exc})") from exc


def _check_columns(path: Path, row: dict, wanted: list[str], seen: set[str]) -> None:
    seen.update(row.keys())
    for col in wanted:
        if col not in row:
            columns = ", ".join(sorted(k for k in seen if k)) or "(none)"
            raise DataError(
                f"{path}: column {col!r} not found; the file has the columns: {columns}"
            )


def read_texts(path: Path | str, text_col: str) -> list[str]:
    """Every row's text, in file order (a missing/empty text becomes "")."""
    path = Path(path)
    texts: list[str] = []
    seen: set[str] = set()
    for _lineno, row in _rows(path):
        _check_columns(path, row, [text_col], seen)
        value = row.get(text_col)
        texts.append("" if value is None else str(value))
    return texts


def parse_label(value: object, multilabel: bool) -> object:
    """A label cell: a string; for multi-label a list, a JSON list string or 'a|b|c'."""
    if multilabel:
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        text = "" if value is None else str(value).strip()
        if text.startswith("["):
            try:
                items = json.loads(text)
            except json.JSONDecodeError:
                items = None
            if isinstance(items, list):
                return [str(v).strip() for v in items if str(v).strip()]
        sep = "|" if "|" in text else ";" if ";" in text else ","
        return [part.strip() for part in text.split(sep) if part.strip()]
    if isinstance(value, list):
        raise DataError("a label cell holds a list; is this a multi-label task?")
    return "" if value is None else str(value).strip()


def read_labeled(
    path: Path | str, text_col: str, label_col: str, *, multilabel: bool | None = None
) -> tuple[list[str], list, list[int], bool]:
    """Texts, labels, source line numbers, and whether the task is multi-label.

    Rows with an empty text or an empty label are skipped (they cannot teach anything).
    ``multilabel=None`` detects it: JSON lists in the label column mean multi-label.
    """
    path = Path(path)
    raw: list[tuple[int, str, object]] = []
    seen: set[str] = set()
    for lineno, row in _rows(path):
        _check_columns(path, row, [text_col, label_col], seen)
        raw.append((lineno, "" if row[text_col] is None else str(row[text_col]), row[label_col]))
    if multilabel is None:
        multilabel = any(
            isinstance(v, list) or (isinstance(v, str) and v.strip().startswith("["))
            for _l, _t, v in raw
        )
    texts, labels, lines = [], [], []
    for lineno, text, value in raw:
        label = parse_label(value, multilabel)
        if not text.strip() or not label:
            continue
        texts.append(text)
        labels.append(label)
        lines.append(lineno)
    if not texts:
        raise DataError(f"{path}: no row has both a text ({text_col!r}) and a label ({label_col!r})")
    return texts, labels, lines, multilabel


def read_spans(path: Path | str, text_col: str, span_col: str) -> tuple[list[str], list[list[int]]]:
    """Texts and marked character offsets (ViHOS ``index_spans``: a JSON list of offsets)."""
    path = Path(path)
    texts: list[str] = []
    offsets: list[list[int]] = []
    seen: set[str] = set()
    for lineno, row in _rows(path):
        _check_columns(path, row, [text_col, span_col], seen)
        text = "" if row[text_col] is None else str(row[text_col])
        value = row[span_col]
        try:
            marked = value if isinstance(value, list) else json.loads(value or "[]")
            marked = [int(c) for c in marked]
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"{path}:{lineno}: column {span_col!r} must be a list of character offsets"
            ) from exc
        if any(c < 0 or c >= len(text) for c in marked):
            raise DataError(f"{path}:{lineno}: a span offset lies outside the text")
        texts.append(text)
        offsets.append(marked)
    if not texts:
        raise DataError(f"{path}: no rows")
    return texts, offsets


def fingerprint(texts: list[str], labels: list) -> str:
    """SHA-256 over the (text, label) pairs in order: identifies the training data."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()
