"""The wire of sheet sockets: group names, every message shape, and the broadcast helpers.

docs/protocol.md documents each message. Consumers only forward what is built
here and in accounts/realtime.py (the messages about users, and the one group
send): every group message carries its message's JSON text, made once
(accounts.realtime.group_message), plus, for messages that end a socket, the
close code. Builders read no database: callers
pass what a message shows.
"""

import os
import socket
import time
import uuid
from collections.abc import Iterable
from typing import Any, Literal, NotRequired, TypedDict

from django.conf import settings

from accounts import realtime as users_wire
from accounts.realtime import UserInfo
from sheets.models import can_edit, can_manage, role_label

# --- Group names (ASCII letters, digits, hyphens, periods, underscores; < 100 chars).
# A user's own group is accounts.realtime.user_group.


def clock_group() -> str:
    return "clock"


def sheet_group(sheet_id: int) -> str:
    return f"sheet_{sheet_id}"


# Names this process's own groups (sheets/hub.py): its heartbeats go to its sockets only.
PROCESS_TAG = uuid.uuid4().hex[:12]


def process_sheet_group(sheet_id: int) -> str:
    """This process's sockets on a sheet: where its hub sends the heartbeat."""
    return f"sheet_{sheet_id}.{PROCESS_TAG}"


# --- Close codes.
CLOSE_UNAUTHENTICATED = users_wire.CLOSE_UNAUTHENTICATED
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# A live (non-sheet) socket fell behind (its messages were dropped): reconnect.
CLOSE_BEHIND = 4408
CLOSE_TOO_BIG = 4413


# --- Committed sheet events (docs/protocol.md, "Events"). The op that makes
# one builds its body here; the op runner (services/core.run_op) wraps it in
# the SheetEvent envelope. Every type is listed once, in SHEET_EVENT_TYPES.

CELLS_CHANGED = "cells.changed"
ROWS_INSERTED = "rows.inserted"
ROWS_DELETED = "rows.deleted"
COLUMNS_INSERTED = "columns.inserted"
COLUMNS_DELETED = "columns.deleted"
COLUMN_UPDATED = "column.updated"
SHEET_RENAMED = "sheet.renamed"
# An import replaced or appended rows wholesale: tabs fetch the snapshot.
SHEET_RESET = "sheet.reset"
# Whole formula columns were computed again (TODAY/NOW refreshed): tabs fetch their values.
COLUMNS_RECOMPUTED = "columns.recomputed"

SHEET_EVENT_TYPES = (
    CELLS_CHANGED,
    ROWS_INSERTED,
    ROWS_DELETED,
    COLUMNS_INSERTED,
    COLUMNS_DELETED,
    COLUMN_UPDATED,
    SHEET_RENAMED,
    SHEET_RESET,
    COLUMNS_RECOMPUTED,
)


class SheetEvent(TypedDict):
    """Every committed op: the envelope, then the fields of its body (below).
    `seq` is the sheet version the op produced; `kind` marks an undo, a redo
    or a revert from history, and `reverts` is the seq of the change it reverted."""

    type: str
    sheet_id: int
    seq: int
    op_id: str | None
    broadcaster_id: str
    user: UserInfo | None
    kind: NotRequired[Literal["undo", "redo", "revert"]]
    reverts: NotRequired[int]
    # Any event may also carry what the op changed besides its own writes
    # (`with_computed`): the totals, the formulas shown, whole columns to fetch.
    totals: NotRequired[dict[str, Any]]
    formulas: NotRequired[dict[str, "FormulaShown"]]
    recomputed: NotRequired[list[str]]


class CellValue(TypedDict):
    row: str
    col: str
    value: Any  # None: the cell is now empty


class CellsChanged(TypedDict):
    type: str
    changes: list[CellValue]


def cells_changed(changes: list[CellValue]) -> CellsChanged:
    return {"type": CELLS_CHANGED, "changes": changes}


class InsertedRow(TypedDict):
    id: str
    after: str | None  # the row it goes after; None: at the top
    values: dict[str, Any]
    # Its order key: a tab holding only some rows (row windows) tells from it
    # whether the row is above, inside or below what it holds.
    position: float


class RowsInserted(TypedDict):
    type: str
    rows: list[InsertedRow]
    # Every row's position changed (float keys ran out at one spot): a tab's
    # keys of other rows are stale; it reads its windows again.
    renumbered: NotRequired[bool]


def rows_inserted(rows: list[InsertedRow], *, renumbered: bool = False) -> RowsInserted:
    event: RowsInserted = {"type": ROWS_INSERTED, "rows": rows}
    if renumbered:
        event["renumbered"] = True
    return event


class RowsDeleted(TypedDict):
    type: str
    rows: list[str]
    positions: list[float]  # each deleted row's order key, as `rows`


def rows_deleted(rows: list[str], positions: list[float]) -> RowsDeleted:
    return {"type": ROWS_DELETED, "rows": rows, "positions": positions}


class ColumnInfo(TypedDict):
    """A column as the snapshot and the column events show it."""

    id: str
    name: str
    type: str  # text, number, date, checkbox or formula
    formula: str | None  # a formula column's formula, with current names
    result_type: str | None  # a formula column's: number, text, date, checkbox or mixed
    summary: str | None  # the footer total's kind (sheets/services/totals.py)


def column_info(
    *,
    id: str,
    name: str,
    type: str,
    formula: str | None,
    result_type: str | None,
    summary: str | None,
) -> ColumnInfo:
    return {
        "id": id,
        "name": name,
        "type": type,
        "formula": formula,
        "result_type": result_type,
        "summary": summary,
    }


class PlacedColumn(ColumnInfo):
    after: str | None  # the column it goes after; None: first


class ColumnsInserted(TypedDict):
    type: str
    columns: list[PlacedColumn]
    values: NotRequired[list[CellValue]]  # an undone delete brings its cells back


def columns_inserted(
    columns: list[PlacedColumn], values: list[CellValue] | None = None
) -> ColumnsInserted:
    event: ColumnsInserted = {"type": COLUMNS_INSERTED, "columns": columns}
    if values is not None:
        event["values"] = values
    return event


class ColumnsDeleted(TypedDict):
    type: str
    columns: list[str]


def columns_deleted(columns: list[str]) -> ColumnsDeleted:
    return {"type": COLUMNS_DELETED, "columns": columns}


class ColumnUpdated(TypedDict):
    type: str
    column: ColumnInfo
    values: dict[str, Any]  # {row id: converted value} of the cells a type change changed


def column_updated(column: ColumnInfo, values: dict[str, Any]) -> ColumnUpdated:
    return {"type": COLUMN_UPDATED, "column": column, "values": values}


class SheetRenamed(TypedDict):
    type: str
    title: str


def sheet_renamed(title: str) -> SheetRenamed:
    return {"type": SHEET_RENAMED, "title": title}


class SheetReset(TypedDict):
    type: str
    reason: Literal["import"]
    mode: Literal["append", "replace"]
    rows: int
    added_columns: list[str]


def sheet_reset(
    *, mode: Literal["append", "replace"], rows: int, added_columns: list[str] | None = None
) -> SheetReset:
    return {
        "type": SHEET_RESET,
        "reason": "import",
        "mode": mode,
        "rows": rows,
        "added_columns": added_columns or [],
    }


class ColumnsRecomputed(TypedDict):
    type: str
    columns: list[str]  # formula columns whose every cell may have changed: fetch them
    reason: Literal["today"]


def columns_recomputed(columns: list[str]) -> ColumnsRecomputed:
    return {"type": COLUMNS_RECOMPUTED, "columns": columns, "reason": "today"}


class FormulaShown(TypedDict):
    formula: str | None
    result_type: str | None


def with_computed(
    body: Any,
    *,
    totals: dict[str, Any] | None = None,
    formulas: dict[str, FormulaShown] | None = None,
    recomputed: list[str] | None = None,
) -> Any:
    """An event body with what the op computed besides its own writes:
    `totals` {column id: footer total} that changed, `formulas` {column id:
    formula and result type} shown differently now (a referenced column
    renamed, deleted or back), `recomputed` formula columns computed whole
    (tabs fetch their values). Empty ones are left out."""
    if totals:
        body["totals"] = totals
    if formulas:
        body["formulas"] = formulas
    if recomputed:
        body["recomputed"] = recomputed
    return body


SheetEventBody = (
    CellsChanged
    | RowsInserted
    | RowsDeleted
    | ColumnsInserted
    | ColumnsDeleted
    | ColumnUpdated
    | SheetRenamed
    | SheetReset
    | ColumnsRecomputed
)


def sheet_event(
    body: SheetEventBody,
    *,
    sheet_id: int,
    seq: int,
    op_id: str | None,
    client_id: str,
    user: UserInfo | None,
    kind: str = "do",
    reverts: int | None = None,
) -> SheetEvent:
    """The event as broadcast and kept in the change log: envelope, then body."""
    event: dict[str, Any] = {
        "type": body["type"],
        "sheet_id": sheet_id,
        "seq": seq,
        "op_id": op_id,
        "broadcaster_id": client_id,
        "user": user,
    }
    event.update(body)
    if kind != "do":
        event["kind"] = kind
    if reverts is not None:
        event["reverts"] = reverts
    return event  # type: ignore[return-value]


# --- Other messages, server -> client.


class Access(TypedDict):
    """What a user may do on a sheet, as the page, `hello` and `access.changed` say it."""

    role: str | None
    can_edit: bool
    can_manage: bool
    role_label: str


def access(role: str | None) -> Access:
    return {
        "role": role,
        "can_edit": can_edit(role),
        "can_manage": can_manage(role),
        "role_label": role_label(role),
    }


class Hello(TypedDict):
    type: Literal["hello"]
    server: str
    user: UserInfo
    sheet_id: int | None
    heartbeat_seconds: int
    # On a sheet socket, the fields of Access.
    role: NotRequired[str | None]
    can_edit: NotRequired[bool]
    can_manage: NotRequired[bool]
    role_label: NotRequired[str]


class ClockTick(TypedDict):
    type: Literal["clock.tick"]
    now_ms: int


class ChangesAvailable(TypedDict):
    """Sent instead of an event too large for one socket frame: fetch it."""

    type: Literal["changes.available"]
    sheet_id: int
    seq: int


SheetsChangedReason = Literal["created", "shared", "unshared", "transferred", "renamed", "deleted"]


class SheetDeleted(TypedDict):
    type: Literal["sheet.deleted"]
    sheet_id: int
    message: str


class AccessChanged(Access):
    type: Literal["access.changed"]
    sheet_id: int


class AccessRevoked(TypedDict):
    type: Literal["access.revoked"]
    sheet_id: int
    message: str


class SheetsChanged(TypedDict):
    """To a user's own group: their list of sheets changed (a sheet shared with them,
    taken away, renamed, created, deleted, its owner changed); list pages re-fetch it."""

    type: Literal["sheets.changed"]
    sheet_id: int
    reason: SheetsChangedReason


class Heartbeat(TypedDict):
    type: Literal["sheet.heartbeat"]
    sheet_id: int
    version: int


class ErrorReply(TypedDict):
    type: Literal["error"]
    error: str
    message: str


def server_name() -> str:
    """Names the serving process in `hello`, so tests and operators can tell them apart."""
    return f"{socket.gethostname()}:{os.getpid()}"


def hello(*, user_info: UserInfo, sheet_id: int | None, role: str | None = None) -> Hello:
    message: Hello = {
        "type": "hello",
        "server": server_name(),
        "user": user_info,
        "sheet_id": sheet_id,
        "heartbeat_seconds": settings.HEARTBEAT_SECONDS,
    }
    if sheet_id is not None:
        # A role changed while the socket was down reaches the tab here.
        message.update(access(role))
    return message


def clock_tick(now_ms: int | None = None) -> ClockTick:
    return {
        "type": "clock.tick",
        "now_ms": now_ms if now_ms is not None else int(time.time() * 1000),
    }


def heartbeat(*, sheet_id: int, version: int) -> Heartbeat:
    return {"type": "sheet.heartbeat", "sheet_id": sheet_id, "version": version}


def error_reply(error: str, message: str) -> ErrorReply:
    return {"type": "error", "error": error, "message": message}


def sheet_deleted(*, sheet_id: int, title: str | None = None) -> SheetDeleted:
    name = f"The sheet “{title}”" if title else "This sheet"
    return {"type": "sheet.deleted", "sheet_id": sheet_id, "message": f"{name} was deleted."}


def sheets_changed(*, sheet_id: int, reason: SheetsChangedReason) -> SheetsChanged:
    return {"type": "sheets.changed", "sheet_id": sheet_id, "reason": reason}


# --- Broadcasts. Called from services inside transaction.on_commit only.


def broadcast_sheet_event(event: SheetEvent) -> None:
    text = users_wire.to_text(event)  # once, for the size check and every socket
    if len(text) > settings.EVENT_MAX_BYTES:
        # Too big for one frame: tabs see the seq and fetch the change over HTTP.
        small: ChangesAvailable = {
            "type": "changes.available",
            "sheet_id": event["sheet_id"],
            "seq": event["seq"],
        }
        users_wire.group_send(sheet_group(event["sheet_id"]), small)
    else:
        users_wire.group_send(sheet_group(event["sheet_id"]), event, text=text)


def broadcast_sheet_deleted(*, sheet_id: int, title: str) -> None:
    event = sheet_deleted(sheet_id=sheet_id, title=title)
    users_wire.group_send(sheet_group(sheet_id), event, close_code=CLOSE_NOT_FOUND)


def broadcast_access_changed(*, sheet_id: int, user_id: int, role: str | None) -> None:
    """Tell one user's sockets on a sheet their new role; no role closes them (4403)."""
    group = sheet_group(sheet_id)
    if role is None:
        revoked: AccessRevoked = {
            "type": "access.revoked",
            "sheet_id": sheet_id,
            "message": "You no longer have access to this sheet.",
        }
        users_wire.group_send(group, revoked, close_code=CLOSE_FORBIDDEN, only_user=user_id)
    else:
        changed: AccessChanged = {"type": "access.changed", "sheet_id": sheet_id, **access(role)}
        users_wire.group_send(group, changed, only_user=user_id)


def broadcast_sheets_changed(
    *, user_ids: Iterable[int], sheet_id: int, reason: SheetsChangedReason
) -> None:
    """Tell each of these users' sockets (their own group) that their sheet list changed."""
    event = sheets_changed(sheet_id=sheet_id, reason=reason)
    for user_id in sorted(set(user_ids)):
        users_wire.group_send(users_wire.user_group(user_id), event)


async def abroadcast_clock_tick() -> ClockTick:
    tick = clock_tick()
    await users_wire.agroup_send(clock_group(), tick)
    return tick
