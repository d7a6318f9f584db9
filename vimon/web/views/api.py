"""The JSON API (``/api/*``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from vimon.errors import REJECT_REASONS
from vimon.pipeline.ingest import ingest_records
from vimon.pipeline.parse import parse_time
from vimon.records import Rejection
from vimon.web.deps import ApiTokenDep, SettingsDep, StoreDep
from vimon.web.render import jsonable

router = APIRouter(prefix="/api", tags=["api"])


class IngestSummary(BaseModel):
    new: int
    duplicate: int
    rejected: int
    reasons: dict[str, int]


def _time(name: str, raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return parse_time(raw)
    except Exception:
        raise HTTPException(422, f"{name}: ngày giờ không hợp lệ / invalid date {raw!r}") from None


@router.get("/items", summary="Danh sách tin, có lọc và phân trang")
def list_items(
    store: StoreDep,
    source: Annotated[str | None, Query(description="Khóa nguồn / source key")] = None,
    kind: Annotated[str | None, Query(description="article | post | comment | video")] = None,
    since: Annotated[str | None, Query(description="Từ thời điểm (ISO 8601)")] = None,
    until: Annotated[str | None, Query(description="Đến trước thời điểm (ISO 8601)")] = None,
    q: Annotated[str | None, Query(description="Từ khóa, không phân biệt dấu")] = None,
    cluster: Annotated[str | None, Query(description="Mã cụm tin")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # bounded: no OFFSET overflow
) -> dict[str, Any]:
    rows, total = store.list_items(
        source=source, kind=kind, since=_time("since", since), until=_time("until", until),
        query=q, cluster=cluster, limit=limit, offset=offset,
    )
    return {"total": total, "limit": limit, "offset": offset, "items": jsonable(rows)}


@router.get("/items/{item_id}", summary="Một tin, với nhãn")
def get_item(store: StoreDep, item_id: int) -> dict[str, Any]:
    item = store.get_item(item_id)
    if item is None:
        raise HTTPException(404, f"Không có tin số {item_id} / no item {item_id}")
    item["labels"] = store.item_labels(item_id)
    return jsonable(item)


@router.post("/ingest", summary="Đẩy tin vào pipeline (mảng JSON hoặc JSONL)",
             response_model=IngestSummary)
async def ingest(request: Request, store: StoreDep, settings: SettingsDep,
                 _auth: ApiTokenDep) -> IngestSummary:
    records = await _records(request, settings)
    res = ingest_records(store, settings, records, origin="api")
    return IngestSummary(new=res.new, duplicate=res.duplicate, rejected=res.rejected,
                         reasons=dict(res.reasons))


class QueuedSummary(BaseModel):
    queued: int
    messages: int
    rejected: int
    reasons: dict[str, int]


@router.post("/ingest/queue", status_code=202, response_model=QueuedSummary,
             summary="Gửi tin vào hàng đợi cho `vimon worker` (chế độ phân tán)")
async def ingest_queued(request: Request, store: StoreDep, settings: SettingsDep,
                        _auth: ApiTokenDep) -> QueuedSummary:
    """The body of ``POST /api/ingest``, validated here (rejections quarantined at once) and
    sent to the queue (``VIMON_QUEUE_URL``); workers store it. 503 when there is no queue."""
    from vimon.errors import ConfigError
    from vimon.worker import enqueue_records

    records = await _records(request, settings)
    try:
        res = enqueue_records(store, settings, records, origin="api")
    except ConfigError as exc:
        raise HTTPException(503, f"[{exc.code}] {exc.message}") from None
    return QueuedSummary(queued=res.queued, messages=res.messages, rejected=res.rejected,
                         reasons=res.reasons)


async def _records(request: Request, settings: Any) -> list[Any]:
    """A bounded body as records: a JSON array, or JSONL (an undecodable line becomes a
    Rejection with its line number)."""
    limit = settings.api_max_body_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, f"Nội dung vượt {limit:,} byte / body over {limit:,} bytes")
    text = bytes(body).strip()
    if not text:
        raise HTTPException(400, "Nội dung rỗng / empty body")
    records: list[Any]
    if text[:1] == b"[":
        try:
            records = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"Mảng JSON hỏng / malformed JSON array: {exc}") from None
        if not isinstance(records, list):  # pragma: no cover - "[" starts an array
            raise HTTPException(400, "Cần một mảng JSON / a JSON array is expected")
        return records
    records = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                records.append(Rejection("api", n, "bad_json",
                                         f"{REJECT_REASONS['bad_json']} at line {n}: {exc}", line))
    return records
