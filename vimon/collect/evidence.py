"""Evidence: what was fetched, from where, when, and its SHA-256, kept so a sanction record
(biên bản) or a dispute can rely on it.

A snapshot keeps the body exactly as the server sent it after removing the transfer
coding (gzip/br are a property of the connection, not of the document), compressed with
zlib for storage; the SHA-256 is over the body itself, so anyone can check an exported file
with ``sha256sum``. ``export_item`` writes a ZIP with the snapshots, the metadata and a
manifest of hashes; ``verify_zip`` checks it without the database.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vimon import __version__
from vimon.errors import NotFound, VimonError

MANIFEST = "manifest.json"
MANIFEST_SUMS = "manifest.sha256"

_EXT = {"text/html": "html", "application/xhtml+xml": "html", "application/json": "json",
        "application/rss+xml": "xml", "application/atom+xml": "xml", "application/xml": "xml",
        "text/xml": "xml", "text/csv": "csv", "text/plain": "txt"}


_SECRET_PARAMS = {"access_token", "key", "appsecret_proof", "client_secret", "token"}


def redact_url(url: str) -> str:
    """The URL without credentials in its query (API tokens must not reach an export)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    q = [(k, "REDACTED" if k.lower() in _SECRET_PARAMS else v)
         for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(q)))


def snapshot(res: Any, *, kind: str, source_id: int | None,
             zbody: bytes | None = None) -> dict[str, Any]:
    """An ``evidence`` row from a :class:`~vimon.collect.fetch.FetchResult`; ``zbody``: the
    body already compressed with zlib (by an extraction worker)."""
    body = res.body
    return {
        "sha256": res.sha256 or hashlib.sha256(body).hexdigest(),
        "source_id": source_id,
        "kind": kind,
        "url": redact_url(res.url),
        "final_url": redact_url(res.final_url or res.url),
        "status": res.status,
        "headers": {**res.headers, **({"x-vimon-redirects": " ".join(map(redact_url, res.redirects))}
                                      if res.redirects else {})},
        "content_type": (res.content_type or None) and res.content_type[:200],
        "size": len(body),
        "compression": "zlib",
        "body": zlib.compress(body, 6) if zbody is None else zbody,
        "fetched_at": res.fetched_at,
    }


def file_snapshot(path: Path, data: bytes, *, source_id: int | None) -> dict[str, Any]:
    return {
        "sha256": hashlib.sha256(data).hexdigest(), "source_id": source_id, "kind": "file",
        "url": path.resolve().as_uri(), "final_url": path.resolve().as_uri(), "status": None,
        "headers": {"x-vimon-file-size": str(len(data))}, "content_type": None,
        "size": len(data), "compression": "zlib", "body": zlib.compress(data, 6),
        "fetched_at": datetime.now(UTC).replace(tzinfo=None),
    }


def body_of(row: dict[str, Any]) -> bytes:
    raw = bytes(row["body"])
    if row.get("compression") == "zlib":
        return zlib.decompress(raw)
    return raw


def _iso(dt: datetime | None) -> str | None:
    return dt.replace(tzinfo=UTC).isoformat() if dt else None


def export_item(store: Any, item_id: int, out: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Write the evidence bundle of one item; returns (path, manifest)."""
    item = store.get_item(item_id)
    if item is None:
        raise NotFound("VM-EVD-404", f"Không có tin số {item_id} / no item {item_id}")
    snaps = store.evidence_for_item(item_id)
    if not snaps:
        raise VimonError(
            "VM-EVD-001",
            f"Tin {item_id} không có bản lưu bằng chứng (nhập từ tệp/API?) / "
            f"item {item_id} has no evidence snapshot",
            "Bằng chứng chỉ có cho tin do bộ thu thập tải về. Evidence exists for collected items.",
        )
    out = out or Path(f"vimon-evidence-item-{item_id}.zip")
    files: dict[str, bytes] = {}
    meta_snaps = []
    for s in snaps:
        body = body_of(s)
        if hashlib.sha256(body).hexdigest() != s["sha256"]:
            raise VimonError("VM-EVD-002", f"Bản lưu {s['id']} không khớp SHA-256 trong CSDL / "
                             "stored snapshot does not match its SHA-256")
        ext = _EXT.get(s.get("content_type") or "", "bin")
        name = f"snapshots/{s['id']}-{s['sha256'][:16]}.{ext}"
        files[name] = body
        meta_snaps.append({
            "evidence_id": s["id"], "file": name, "kind": s["kind"], "url": s["url"],
            "final_url": s["final_url"], "status": s["status"], "headers": s["headers"],
            "content_type": s["content_type"], "size": s["size"], "sha256": s["sha256"],
            "fetched_at_utc": _iso(s["fetched_at"]),
        })
    metadata = {
        "item": {k: (_iso(v) if isinstance(v, datetime) else v) for k, v in item.items()
                 if k in ("id", "source", "source_name", "external_id", "kind", "url", "title",
                          "author", "published_at", "collected_at", "content_hash", "parent_id")},
        "snapshots": meta_snaps,
        "exported_at_utc": datetime.now(UTC).isoformat(),
        "exported_by": f"vimon {__version__}",
    }
    files["metadata.json"] = json.dumps(metadata, ensure_ascii=False, indent=2,
                                        default=str).encode("utf-8")
    files["item.txt"] = (item.get("text") or "").encode("utf-8")
    manifest = {
        "format": "vimon-evidence/1",
        "algorithm": "sha256",
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                  for name, data in sorted(files.items())},
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    manifest["manifest_sha256"] = hashlib.sha256(manifest_bytes).hexdigest()
    listed: dict[str, dict[str, Any]] = manifest["files"]  # type: ignore[assignment]
    sums = "".join(f"{v['sha256']}  {k}\n" for k, v in listed.items()).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            z.writestr(name, data)
        z.writestr(MANIFEST, manifest_bytes)
        z.writestr(MANIFEST_SUMS, sums)
    return out, manifest


@dataclass
class VerifyReport:
    ok: bool = True
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    manifest_sha256: str = ""

    def fail(self, msg: str) -> None:
        self.ok = False
        self.problems.append(msg)


def verify_zip(path: Path, store: Any | None = None) -> VerifyReport:
    """Check every file of a bundle against its manifest, every snapshot against the hash in
    the metadata, and (with ``store``) against the hash kept in the database."""
    rep = VerifyReport()
    try:
        z = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        rep.fail(f"không mở được ZIP / cannot open ZIP: {exc}")
        return rep
    with z:
        names = set(z.namelist())
        if MANIFEST not in names:
            rep.fail("thiếu manifest.json / manifest.json missing")
            return rep
        raw_manifest = z.read(MANIFEST)
        rep.manifest_sha256 = hashlib.sha256(raw_manifest).hexdigest()
        try:
            manifest = json.loads(raw_manifest)
            listed: dict[str, dict[str, Any]] = manifest["files"]
        except (ValueError, KeyError, TypeError) as exc:
            rep.fail(f"manifest hỏng / malformed manifest: {exc}")
            return rep
        for name in sorted(names - set(listed) - {MANIFEST, MANIFEST_SUMS}):
            rep.fail(f"tệp không có trong manifest / unlisted file: {name}")
        for name, want in sorted(listed.items()):
            if name not in names:
                rep.fail(f"thiếu tệp / missing file: {name}")
                continue
            data = z.read(name)
            rep.checked += 1
            got = hashlib.sha256(data).hexdigest()
            if got != want.get("sha256") or len(data) != want.get("size"):
                rep.fail(f"SHA-256 sai / hash mismatch: {name}")
        try:
            meta = json.loads(z.read("metadata.json"))
        except (KeyError, ValueError) as exc:
            rep.fail(f"metadata.json hỏng hoặc thiếu / bad metadata.json: {exc}")
            return rep
        for s in meta.get("snapshots", []):
            name = s.get("file")
            if name in names and hashlib.sha256(z.read(name)).hexdigest() != s.get("sha256"):
                rep.fail(f"ảnh chụp không khớp SHA-256 ghi nhận / snapshot differs: {name}")
            if store is not None:
                row = store.get_evidence(int(s.get("evidence_id", 0)))
                if row is None or row["sha256"] != s.get("sha256"):
                    rep.fail(f"SHA-256 khác với CSDL / differs from the database: {name}")
    return rep

