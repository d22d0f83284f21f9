"""The JSON API (docs/protocol.md). Every write calls one service function."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.utils.cache import patch_vary_headers

from accounts.selectors import user_info
from sheets import browser_json, find, selectors, services, viewspec, windows
from sheets.refusals import RequestRefused


def _error(status: int, error: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": error, "message": message, **extra}, status=status)


def _only(method: str) -> Callable:
    """Django's require_GET/require_POST, but the 405 is JSON like every API error."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
            if request.method != method:
                response = _error(405, "method_not_allowed", f"Use {method} here.")
                response["Allow"] = method
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def api_login_required(view: Callable) -> Callable:
    """JSON 401 instead of the login redirect."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not request.user.is_authenticated:
            return _error(401, "unauthenticated", "Log in to continue.")
        return view(request, *args, **kwargs)

    return wrapper


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = browser_json.parse(request.body)
    except RequestDataTooBig:
        raise services.OpError(
            "too_large",
            f"The request is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes; split it.",
            status=413,
        ) from None
    except browser_json.BrowserJSONError as exc:
        raise services.OpError(exc.error, exc.message) from None
    if not isinstance(body, dict):
        raise services.OpError("invalid_json", "The body must be a JSON object.")
    return body


@_only("GET")
@api_login_required
def initial_state(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "now_ms": int(time.time() * 1000),
            "clock_interval_ms": settings.CLOCK_INTERVAL_MS,
            "user": user_info(user=request.user),
        }
    )


def _sheet_or_404(request: HttpRequest, sheet_id: int):
    try:
        return selectors.sheet_for_user(user=request.user, sheet_id=sheet_id)
    except selectors.SheetNotFound:
        return None


def _sheet_read(view: Callable) -> Callable:
    """A request about a sheet the user may read: 404 when they may not (or
    it is gone), 400 with its code and message for a parameter it refuses."""

    @wraps(view)
    def read(request: HttpRequest, sheet_id: int):
        sheet = _sheet_or_404(request, sheet_id)
        if sheet is None:
            return _error(404, "not_found", "Sheet not found.")
        try:
            return view(request, sheet)
        except RequestRefused as exc:
            return _error(400, exc.error, exc.message)

    return read


@_only("GET")
@api_login_required
@_sheet_read
def sheet_snapshot(request: HttpRequest, sheet) -> JsonResponse | StreamingHttpResponse:
    if request.GET.get("rows") == "block":
        # The block encoding of the row windows, all rows or the first `limit`.
        limit = None
        if request.GET.get("limit"):
            limit = windows.parse_window({"limit": request.GET["limit"]}).limit
        return _streamed(request, windows.snapshot_stream(sheet, limit))
    row_arrays = request.GET.get("rows") == "arrays"
    return JsonResponse(selectors.sheet_snapshot(sheet=sheet, row_arrays=row_arrays))


@_only("GET")
@api_login_required
@_sheet_read
def sheet_rows(request: HttpRequest, sheet) -> StreamingHttpResponse | JsonResponse:
    """A window of the sheet's rows (docs/protocol.md, "Row windows"), or of
    a view's order with `view=<json>`, or with `count=only` the view's count
    (docs/protocol.md, "Views")."""
    only_count = windows.wants_view_count(request.GET)
    window = windows.parse_window(request.GET)
    raw_view = request.GET.get("view")
    if not raw_view:
        if only_count:
            raise windows.WindowError("invalid_count", "count=only counts a view: give view.")
        return _streamed(request, windows.block_stream(sheet, window))
    windows.check_view_window(window)
    spec = viewspec.parse_view(raw_view, list(sheet.columns.all()))
    if only_count:
        return JsonResponse(windows.view_count_answer(sheet, spec))
    return _streamed(request, windows.view_block_stream(sheet, window, spec))


@_only("GET")
@api_login_required
@_sheet_read
def sheet_find(request: HttpRequest, sheet) -> JsonResponse:
    """A page of the cells whose shown text contains `q`, or with `count=only`
    their count (docs/protocol.md, "Find")."""
    return JsonResponse(find.find_answer(sheet, find.parse_find(request.GET)))


def _streamed(request: HttpRequest, chunks) -> StreamingHttpResponse:
    """A JSON answer written as it is read: gzipped here when the settings
    say so (ROWS_GZIP) and the client takes it, and under ASGI served a piece
    at a time from the request's thread (Django would read a sync stream whole)."""
    chunks = windows.ended_cleanly(chunks)
    gzip = settings.ROWS_GZIP and "gzip" in request.headers.get("Accept-Encoding", "")
    if gzip:
        chunks = windows.gzipped(chunks)
    if isinstance(request, ASGIRequest):
        chunks = windows.in_request_thread(chunks)
    response = StreamingHttpResponse(chunks, content_type="application/json")
    if gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


@_only("GET")
@api_login_required
@_sheet_read
def sheet_changes(request: HttpRequest, sheet) -> JsonResponse:
    raw = request.GET.get("since", "")
    # isdigit() alone lets "²" (then int() fails) and other scripts' digits through.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return _error(400, "invalid_since", "since must be a non-negative integer version.")
    return JsonResponse(selectors.changes_since(sheet=sheet, since=int(raw)))


@_only("GET")
@api_login_required
@_sheet_read
def column_values(request: HttpRequest, sheet) -> JsonResponse:
    """The values of some columns (`?columns=<id>,<id>`): what a tab fetches
    for an event's `recomputed` columns instead of the whole snapshot."""
    wanted = [c for c in request.GET.get("columns", "").split(",") if c]
    try:
        ids = [str(services.parse_uuid(c, "column")) for c in wanted[:1000]]
    except services.OpError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    if not ids:
        return _error(400, "invalid_columns", "Name the columns: ?columns=<id>,<id>.")
    return JsonResponse(selectors.column_values(sheet=sheet, column_ids=ids))


@_only("POST")
@api_login_required
@_sheet_read
def formula_check(request: HttpRequest, sheet) -> JsonResponse:
    """What saving a formula would say, nothing saved: the column dialog
    checks as the user types (docs/protocol.md, "Checking a formula")."""
    try:
        body = _json_body(request)
        if "formula" not in body:
            raise services.OpError("missing_field", "Missing field: formula.")
        answer = services.formula_check(
            sheet=sheet,
            formula=body["formula"],
            column=body.get("column"),
            name=body.get("name"),
        )
    except services.OpError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(answer)


# Each op endpoint: the service to call and the body fields it takes besides
# client_id and op_id.
OPS: dict[str, tuple[Callable[..., dict], tuple[str, ...]]] = {
    "cells": (services.cells_update, ("changes",)),
    "rows/insert": (services.rows_insert, ("rows",)),
    "rows/delete": (services.rows_delete, ("rows",)),
    "rows/sort": (services.rows_sort, ("sort",)),
    "columns/insert": (services.columns_insert, ("columns",)),
    "columns/delete": (services.columns_delete, ("columns",)),
    "columns/update": (
        services.column_update,
        ("column", "name", "type", "formula", "summary", "width", "number_format", "wrap"),
    ),
    "rename": (services.sheet_rename, ("title",)),
    "freeze": (services.sheet_freeze, ("columns",)),
    "undo": (services.sheet_undo, ()),
    "redo": (services.sheet_redo, ()),
    "revert": (services.change_revert, ("change",)),
    # Shared views (docs/protocol.md, "Saved views").
    "views/save": (services.view_save, ("name", "spec")),
    "views/update": (services.view_update, ("view", "name", "spec")),
    "views/delete": (services.view_delete, ("view",)),
}


@_only("POST")
@api_login_required
def sheet_op(request: HttpRequest, sheet_id: int, op: str) -> JsonResponse:
    service, fields = OPS[op]
    sheet = _sheet_or_404(request, sheet_id)
    if sheet is None:
        return _error(404, "not_found", "Sheet not found.")
    try:
        body = _json_body(request)
        required = [f for f in ("op_id",) + fields[:1] if f not in body]
        if required:
            raise services.OpError("missing_field", f"Missing field: {', '.join(required)}.")
        kwargs = {f: body[f] for f in fields if f in body}
        result = service(
            sheet=sheet,
            user=request.user,
            client_id=body.get("client_id", ""),
            op_id=body["op_id"],
            base_version=body.get("base_version"),
            **kwargs,
        )
    except services.OpError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    status = 200 if result.get("applied") or result.get("replayed") else 422
    return JsonResponse(result, status=status)
