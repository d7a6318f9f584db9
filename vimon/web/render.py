"""One context, two renderings: an HTML page and its ``.json`` twin."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from vimon import __version__
from vimon.reports.builders import number
from vimon.web import format as fmt

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["vn_time"] = fmt.vn_time
templates.env.filters["vn_number"] = fmt.vn_number
templates.env.filters["vn_decimal"] = number  # 7 → "7", 7.5 → "7,5", 12000 → "12.000"
templates.env.globals["kind_labels"] = fmt.KIND_LABELS
templates.env.globals["metric_labels"] = fmt.METRIC_LABELS
templates.env.globals["version"] = __version__


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return fmt.iso_local(value)
    if isinstance(value, date):  # a calendar day (plans, campaigns): no time zone to apply
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=str)]
    return value


def render(request: Request, template: str, context: dict[str, Any], *, as_json: bool):
    if as_json:
        return JSONResponse(jsonable(context))
    return templates.TemplateResponse(request, template, {"ctx": context, **context})


def html_error(request: Request, status: int, message: str) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )
