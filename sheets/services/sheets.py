"""Sheets as a whole: create, rename, freeze columns, delete. Event
`sheet.renamed`; rename keeps no undo record. Event `sheet.frozen`, undo kind
"sheet_freeze". Also the registry entry of `sheet.reset`, the event of
an import (services/imports.py), which changes the sheet as a whole.
"""

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from sheets import op_registry, realtime
from sheets.models import Column, ColumnType, Row, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.services.core import (
    ORDER_GAP,
    OpError,
    announce_lists_changed,
    clean_label,
    lock_sheet,
    run_op,
    sheet_member_ids,
)

DEFAULT_COLUMNS = ["A", "B", "C", "D", "E"]
DEFAULT_ROWS = 20
MAX_TITLE_CHARS = 200
# More frozen columns than this would leave no room to scroll on a laptop's screen.
MAX_FROZEN_COLUMNS = 10


@transaction.atomic
def sheet_create(*, owner, title: str, create_token: str | uuid.UUID | None = None) -> Sheet:
    """A new sheet with a few empty text columns and rows to type into.

    `create_token` comes from the form: the same form sent again (a double
    click, a resubmitted page) answers the sheet it made the first time."""
    title = clean_title(title)
    create_token = _create_token(create_token)
    if create_token is not None:
        made = Sheet.objects.filter(owner=owner, create_token=create_token).first()
        if made is not None:
            return made
    try:
        with transaction.atomic():
            sheet = Sheet.objects.create(
                owner=owner, title=title, create_token=create_token, row_count=DEFAULT_ROWS
            )
    except IntegrityError:
        # The same form, sent twice at once: the other request made it.
        return Sheet.objects.get(owner=owner, create_token=create_token)
    Column.objects.bulk_create(
        Column(sheet=sheet, name=name, position=(i + 1) * ORDER_GAP, type=ColumnType.TEXT)
        for i, name in enumerate(DEFAULT_COLUMNS)
    )
    Row.objects.bulk_create(
        Row(sheet=sheet, order=(i + 1) * ORDER_GAP) for i in range(DEFAULT_ROWS)
    )
    announce_lists_changed(sheet.id, [owner.id], "created")
    return sheet


def _create_token(raw: Any) -> uuid.UUID | None:
    """The "Create sheet" form's token; none (a client without the form) is fine."""
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise OpError(
            "invalid_token", "The form was out of date. Reload the page and try again."
        ) from None


def clean_title(title: Any) -> str:
    return clean_label(
        title,
        error="invalid_title",
        missing="A sheet needs a title.",
        what="A title",
        max_chars=MAX_TITLE_CHARS,
    )


def sheet_rename(
    *,
    sheet: Sheet,
    user,
    title: str,
    client_id: str = "",
    op_id: Any = None,
    base_version: Any = None,
) -> dict:
    title = clean_title(title)

    def apply(locked: Sheet) -> dict:
        locked.title = title
        locked.save(update_fields=["title", "updated_at"])
        announce_lists_changed(locked.id, sheet_member_ids(locked), "renamed")
        return {"event": events.sheet_renamed(title)}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def clean_frozen(raw: Any) -> int:
    if raw.__class__ is not int or not 0 <= raw <= MAX_FROZEN_COLUMNS:
        raise OpError(
            "invalid_frozen_columns",
            f"Frozen columns are a whole number from 0 to {MAX_FROZEN_COLUMNS}.",
        )
    return raw


def sheet_freeze(
    *,
    sheet: Sheet,
    user,
    columns: Any,
    client_id: str = "",
    op_id: Any = None,
    base_version: Any = None,
) -> dict:
    """Keep the first `columns` columns in place for everyone (0: none). More
    than the sheet has is allowed: the grid freezes those it has."""
    count = clean_frozen(columns)

    def apply(locked: Sheet) -> dict:
        before = locked.frozen_columns
        if before == count:
            return {"event": None}
        _set_frozen(locked, count)
        undo = {"kind": "sheet_freeze", "before": before, "after": count}
        return {"event": events.sheet_frozen(count), "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def _set_frozen(locked: Sheet, count: int) -> None:
    locked.frozen_columns = count
    locked.save(update_fields=["frozen_columns", "updated_at"])


def revert_sheet_freeze(locked: Sheet, spec: dict) -> tuple[events.SheetFrozen, dict]:
    if locked.frozen_columns != spec["after"]:
        raise Conflict("the frozen columns were")
    _set_frozen(locked, spec["before"])
    inverse = {"kind": "sheet_freeze", "before": spec["after"], "after": spec["before"]}
    return events.sheet_frozen(spec["before"]), inverse


@transaction.atomic
def sheet_delete(*, sheet: Sheet, user) -> None:
    locked = lock_sheet(sheet=sheet, user=user, manage=True)
    sheet_id, title = locked.id, locked.title
    members = sheet_member_ids(locked)  # read before the shares go
    locked.delete()
    transaction.on_commit(lambda: realtime.broadcast_sheet_deleted(sheet_id=sheet_id, title=title))
    announce_lists_changed(sheet_id, members, "deleted")


def _summary_reset(event: dict) -> str:
    how = "replacing all rows" if event.get("mode") == "replace" else "appended"
    summary = f"imported {op_registry.plural(event.get('rows', 0), 'row')} ({how})"
    added = event.get("added_columns") or []
    if added:
        summary += f", adding {op_registry.plural(len(added), 'column')}: {', '.join(added)}"
    return summary


op_registry.register_event(
    events.SHEET_RENAMED,
    summary=lambda e: f"renamed the sheet to {e.get('title', '')}",
    touches=lambda e, conflict: False,
)


op_registry.register_event(
    events.SHEET_FROZEN,
    summary=lambda e: (
        f"froze {op_registry.plural(e.get('columns', 0), 'column')}"
        if e.get("columns")
        else "unfroze the columns"
    ),
    touches=lambda e, conflict: conflict.what == "the frozen columns were",
)
op_registry.register_reverter("sheet_freeze", revert_sheet_freeze)


# An import may have changed anything: whatever a revert is about, it touched it.
def _rows_after_reset(event: dict, count: int) -> int:
    """An import replaced the rows with its own, or appended them."""
    return event["rows"] + (0 if event["mode"] == "replace" else count)


op_registry.register_event(
    events.SHEET_RESET,
    summary=_summary_reset,
    touches=lambda e, conflict: True,
    rows=_rows_after_reset,
)
