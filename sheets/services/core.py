"""The op runner shared by every sheet write, and the helpers ops share.

An op runs in one transaction: lock the sheet row, replay a known `op_id`, check
permission, validate, write, bump `sheet.version`, append to the change log, and
broadcast the event after commit. Whole-op refusals raise OpError and write nothing.
"""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts.selectors import user_info
from proj.text import refusal
from sheets import op_registry, realtime, values
from sheets.models import FORMULA, Change, Column, Row, Sheet, SheetShare, can_edit, can_manage
from sheets.realtime import events
from sheets.selectors import sheet_role

ORDER_GAP = 1024.0


class OpError(Exception):
    """A refused op: nothing was written. `status` is the HTTP status to answer."""

    def __init__(self, error: str, message: str, status: int = 400, **details: Any):
        super().__init__(message)
        self.error = error
        self.message = message
        self.status = status
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, **self.details}


def _not_found() -> OpError:
    return OpError("not_found", "Sheet not found.", status=404)


def clean_label(raw: Any, *, error: str, missing: str, what: str, max_chars: int) -> str:
    """A name or title as given, trimmed: `missing` when there is none, refused
    (`error`) when it holds what no text may or is over `max_chars`."""
    if not isinstance(raw, str) or not raw.strip():
        raise OpError(error, missing)
    if message := refusal(raw, what):
        raise OpError(error, message)
    label = raw.strip()
    if len(label) > max_chars:
        raise OpError(error, f"{what} is at most {max_chars} characters.")
    return label


def parse_uuid(raw: Any, what: str) -> uuid.UUID:
    """Only the canonical form, 8-4-4-4-12 hex digits in either case:
    uuid.UUID alone also takes "urn:uuid:", braces, no hyphens and more."""
    if not isinstance(raw, str):
        raise OpError("invalid_id", f"{what} must be a UUID string.")
    canonical = len(raw) == 36 and all(
        char == "-" if at in (8, 13, 18, 23) else char in "0123456789abcdefABCDEF"
        for at, char in enumerate(raw)
    )
    if not canonical:
        raise OpError("invalid_id", f"{what} {raw[:40]!r} is not a UUID written 8-4-4-4-12.")
    return uuid.UUID(raw)


def lock_sheet(*, sheet: Sheet, user, manage: bool = False) -> Sheet:
    """The sheet row, locked until commit: ops on one sheet run one at a time.
    Checks that `user` may write it (or, with `manage`, is its owner); user
    None is the server's own op (the clock's refresh of TODAY and NOW)."""
    locked = Sheet.objects.select_for_update().filter(pk=sheet.pk).first()
    if user is None and locked is not None and not manage:
        return locked
    role = sheet_role(sheet=locked, user=user) if locked is not None else None
    if role is None:
        raise _not_found()
    if manage and not can_manage(role):
        raise OpError("forbidden", "Only the sheet's owner may do that.", status=403)
    if not can_edit(role):
        raise OpError("forbidden", "You may only view this sheet.", status=403)
    return locked


def _check_op_args(client_id: Any, op_id: Any, base_version: Any) -> uuid.UUID | None:
    """The op's uuid, once the fields every op carries are well-formed."""
    if not isinstance(client_id, str) or len(client_id) > 64:
        raise OpError("invalid_client_id", "client_id must be a string of at most 64 characters.")
    if message := refusal(client_id, "A client_id"):
        raise OpError("invalid_client_id", message)
    op_uuid = parse_uuid(op_id, "op_id") if op_id is not None else None
    if base_version is not None and (
        isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 0
    ):
        raise OpError("invalid_base_version", "base_version must be a non-negative integer.")
    return op_uuid


def run_op(
    sheet: Sheet,
    user,
    client_id: str,
    op_id: Any,
    apply: Callable[[Sheet], dict],
    base_version: Any = None,
) -> dict:
    """Run `apply` on the locked sheet. It returns {"event": body} (a body
    built by sheets/realtime/events.py) to commit a change, or {"event": None} when
    nothing changed, plus any extra answer fields (e.g. per-cell "errors").
    Optional keys kept with the change (services/undo.py): "undo" (how to
    revert it), "kind" ("do", "undo", "redo" or "revert") and "undo_of"."""
    op_uuid = _check_op_args(client_id, op_id, base_version)
    with transaction.atomic():
        locked = lock_sheet(sheet=sheet, user=user)
        if base_version is not None and base_version < locked.op_floor:
            # The records that would tell whether this op was applied are gone:
            # applying it blindly could apply it twice.
            raise OpError(
                "op_too_old",
                "This change was made on a version of the sheet too old to apply safely; "
                "review it and enter it again.",
                status=409,
                op_floor=locked.op_floor,
            )
        if op_uuid is not None:
            done = Change.objects.filter(sheet=locked, op_id=op_uuid).defer("undo").first()
            if done is not None:
                return {**done.response, "event": done.payload, "replayed": True}
        result = apply(locked)
        if result["event"] is None:
            for key in ("event", "undo", "kind", "undo_of"):
                result.pop(key, None)
            return {"version": locked.version, "applied": False, "event": None, **result}
        return _commit(locked, user, client_id, op_uuid, result)


def _commit(locked: Sheet, user, client_id: str, op_uuid: uuid.UUID | None, result: dict) -> dict:
    """Bump the version, log the change, broadcast its event after commit."""
    body = result.pop("event")
    undo = result.pop("undo", None)
    kind = result.pop("kind", "do")
    undo_of = result.pop("undo_of", None)
    # A revert from history is the reverting user's new change (their undo
    # takes it back); its event says what it is.
    stored_kind = "do" if kind == "revert" else kind
    locked.version += 1
    locked.row_count = op_registry.row_count_after(body, locked.row_count)
    locked.save(update_fields=["version", "row_count", "updated_at"])
    event = events.sheet_event(
        body,
        sheet_id=locked.id,
        seq=locked.version,
        op_id=str(op_uuid) if op_uuid else None,
        client_id=client_id,
        user=user_info(user=user) if user is not None else None,
        kind=kind,
        reverts=undo_of.seq if undo_of is not None else None,
    )
    response = {"version": locked.version, "applied": True, **result}
    Change.objects.create(
        sheet=locked,
        seq=locked.version,
        user=user,
        client_id=client_id,
        op_id=op_uuid,
        payload=event,
        response=response,
        kind=stored_kind,
        undo_of=undo_of,
        undo=undo,
    )
    transaction.on_commit(lambda: realtime.broadcast_sheet_event(event))
    return {**response, "event": event}


def same_value(a: Any, b: Any) -> bool:
    """Equal and of one JSON type: 1, 1.0 and True are different cell values."""
    return a == b and type(a) is type(b)


def fits(column_type: str, value: Any) -> bool:
    """`value` is what that column type stores as it is (a formula column's
    cells are computed, never kept)."""
    if column_type == FORMULA:
        return False
    try:
        return same_value(values.clean(column_type, value), value)
    except values.InvalidValue:
        return False


def columns_by_id(sheet: Sheet) -> dict[str, Column]:
    return {str(c.id): c for c in sheet.columns.all()}


def cell_error(row: str, col: str, error: str, message: str) -> dict[str, str]:
    """One entry of an answer's per-cell `errors`."""
    return {"row": row, "col": col, "error": error, "message": message}


def clean_cells(
    columns: dict[str, Column], raw: dict[str, Any], row_id: str, errors: list
) -> dict[str, Any]:
    """{col: stored value or EMPTY} for the valid cells of one row; errors appended."""
    cleaned: dict[str, Any] = {}
    for col_id, value in raw.items():
        column = columns.get(col_id)
        if column is None:
            errors.append(
                cell_error(row_id, col_id, "column_not_found", "That column no longer exists.")
            )
            continue
        if column.type == FORMULA:
            errors.append(
                cell_error(
                    row_id,
                    col_id,
                    "formula_cell",
                    "This column is computed by its formula; change the formula instead.",
                )
            )
            continue
        try:
            cleaned[col_id] = values.clean(column.type, value)
        except values.InvalidValue as exc:
            errors.append(cell_error(row_id, col_id, exc.code, exc.message))
    return cleaned


def apply_values(row: Row, cleaned: dict[str, Any]) -> dict[str, Any]:
    """Write cleaned values into the row; returns the committed value per cell (None = empty)."""
    committed = {}
    for col_id, value in cleaned.items():
        if value is values.EMPTY:
            row.values.pop(col_id, None)
            committed[col_id] = None
        else:
            row.values[col_id] = value
            committed[col_id] = value
    return committed


def clean_id_list(raw: Any, what: str) -> list[str]:
    """A non-empty list of ids, e.g. the rows to delete; `what` names them in errors."""
    if not isinstance(raw, list) or not raw:
        raise OpError(f"invalid_{what}", f"{what} must be a non-empty list of ids.")
    if len(raw) > settings.MAX_CHANGES_PER_OP:
        raise OpError(f"too_many_{what}", f"Too many {what} in one op; split it.", status=413)
    return [str(parse_uuid(i, what[:-1] + " id")) for i in raw]


def sheet_member_ids(sheet: Sheet) -> list[int]:
    """Who has the sheet in their list: its owner and everyone it is shared with."""
    return [
        sheet.owner_id,
        *SheetShare.objects.filter(sheet=sheet).values_list("user_id", flat=True),
    ]


def announce_lists_changed(
    sheet_id: int, user_ids: list[int], reason: realtime.SheetsChangedReason
) -> None:
    """After commit, tell those users' sheet lists to refresh."""
    transaction.on_commit(
        lambda: realtime.broadcast_sheets_changed(
            user_ids=user_ids, sheet_id=sheet_id, reason=reason
        )
    )
