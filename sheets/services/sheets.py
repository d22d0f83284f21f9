"""Sheets as a whole: create, rename, delete. Event `sheet.renamed`; rename
keeps no undo record. Also the registry entry of `sheet.reset`, the event of
an import (services/imports.py), which changes the sheet as a whole.
"""

import uuid
from typing import Any

from django.db import IntegrityError, transaction

from proj.text import refusal
from sheets import op_registry, realtime
from sheets.models import Column, ColumnType, Row, Sheet
from sheets.realtime import events
from sheets.services.core import (
    ORDER_GAP,
    OpError,
    announce_lists_changed,
    lock_sheet,
    run_op,
    sheet_member_ids,
)

DEFAULT_COLUMNS = ["A", "B", "C", "D", "E"]
DEFAULT_ROWS = 20
MAX_TITLE_CHARS = 200


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
    if not isinstance(title, str) or not title.strip():
        raise OpError("invalid_title", "A sheet needs a title.")
    title = title.strip()
    if message := refusal(title, "A title"):
        raise OpError("invalid_title", message)
    if len(title) > MAX_TITLE_CHARS:
        raise OpError("invalid_title", f"A title is at most {MAX_TITLE_CHARS} characters.")
    return title


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
