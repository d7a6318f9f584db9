"""Content-Encoding decoders with a hard limit on the decompressed size.

httpx's own decoders would inflate a compression bomb in full before we could count it;
these stop as soon as the output passes ``limit`` bytes, whatever the ratio (a 2 MB gzip
of 2 GB of zeros is refused after ``limit`` bytes of work). Gzip bodies with several members
(RFC 1952 allows it) are decoded member after member.
"""

from __future__ import annotations

import zlib
from typing import Protocol

try:  # brotli is a pinned dependency; keep working (without "br") if it is missing
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

_STEP = 256 * 1024  # most output produced by one call, so a bomb is caught within one step


class DecodeLimit(Exception):
    """Decompressed output passed the limit."""


class DecodeError(Exception):
    """The body is not valid for its declared encoding."""


class _Decoder(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def flush(self) -> bytes: ...


class _Identity:
    def feed(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class _Zlib:
    def __init__(self, wbits: int, gzip: bool, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self.wbits = wbits
        self.gzip = gzip
        self.d = zlib.decompressobj(wbits)
        self.first = True

    def _run(self, data: bytes, out: list[bytes]) -> None:
        buf = data
        while True:
            try:
                chunk = self.d.decompress(buf, _STEP)
            except zlib.error as exc:
                if self.first and not self.gzip and self.wbits == zlib.MAX_WBITS:
                    # "deflate" is often sent raw, without the zlib header.
                    self.wbits = -zlib.MAX_WBITS
                    self.d = zlib.decompressobj(self.wbits)
                    self.first = False
                    buf = data
                    continue
                raise DecodeError(str(exc)) from exc
            self.first = False
            if chunk:
                self.total += len(chunk)
                if self.total > self.limit:
                    raise DecodeLimit(self.total)
                out.append(chunk)
            if self.d.eof and self.gzip:
                rest = self.d.unused_data
                if not rest.strip(b"\x00"):
                    return
                self.d = zlib.decompressobj(self.wbits)  # next gzip member
                buf = rest
                continue
            buf = self.d.unconsumed_tail
            if not buf:
                return

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        self._run(data, out)
        return b"".join(out)

    def flush(self) -> bytes:
        return self.d.flush()


class _Brotli:
    def __init__(self, limit: int) -> None:
        if brotli is None:  # pragma: no cover
            raise DecodeError("brotli is not installed")
        self.d = brotli.Decompressor()
        self.limit = limit
        self.total = 0

    def _take(self, chunk: bytes, out: list[bytes]) -> None:
        self.total += len(chunk)
        if self.total > self.limit:
            raise DecodeLimit(self.total)
        out.append(chunk)

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        try:
            self._take(self.d.process(data, output_buffer_limit=_STEP), out)
            while not self.d.can_accept_more_data():
                self._take(self.d.process(b"", output_buffer_limit=_STEP), out)
        except brotli.error as exc:
            raise DecodeError(str(exc)) from exc
        return b"".join(out)

    def flush(self) -> bytes:
        return b""


def _make(name: str, limit: int) -> _Decoder:
    name = name.strip().lower()
    if name in ("", "identity"):
        return _Identity()
    if name in ("gzip", "x-gzip"):
        return _Zlib(16 + zlib.MAX_WBITS, True, limit)
    if name == "deflate":
        return _Zlib(zlib.MAX_WBITS, False, limit)
    if name == "br":
        return _Brotli(limit)
    raise DecodeError(f"unsupported Content-Encoding {name!r}")


class LimitedDecoder:
    """Decodes a chain of content codings (``gzip, br`` = gzip first, then br) and raises
    :class:`DecodeLimit` once the output passes ``limit`` bytes."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        names = [n for n in (content_encoding or "").split(",") if n.strip()]
        # The header lists codings in the order applied; decode in reverse.
        self.chain = [_make(n, limit) for n in reversed(names)] or [_Identity()]
        self.limit = limit
        self.size = 0
        self.encoded = bool(names) and not all(n.strip().lower() == "identity" for n in names)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise DecodeLimit(self.size)
        return data

    def feed(self, data: bytes) -> bytes:
        for dec in self.chain:
            data = dec.feed(data)
        return self._count(data)

    def flush(self) -> bytes:
        data = b""
        for dec in self.chain:
            data = dec.feed(data) + dec.flush() if data else dec.flush()
        return self._count(data)


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Inflate a gzip *file* (e.g. ``sitemap.xml.gz``), not a transfer coding."""
    dec = LimitedDecoder("gzip", limit)
    return dec.feed(data) + dec.flush()
