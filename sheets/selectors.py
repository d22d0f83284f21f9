"""Reads, with the permission check every view, socket and service shares."""

import contextlib
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When

from sheets import column_shown, op_registry
from sheets.models import Change, Role, SavedView, Sheet, SheetShare, can_edit
from sheets.realtime import events


class SheetNotFound(Exception):
    """Missing, or not readable by this user: the two look the same from outside."""


def sheets_for_user(*, user) -> QuerySet[Sheet]:
    """Sheets the user owns or that are shared with them, each with `role`."""
    return (
        Sheet.objects.filter(Q(owner=user) | Q(shares__user=user))
        .annotate(
            role=Case(
                When(owner=user, then=Value(Role.OWNER.value)),
                default=Subquery(
                    SheetShare.objects.filter(sheet=OuterRef("pk"), user=user).values("role")[:1]
                ),
            )
        )
        .select_related("owner__profile")
        .distinct()
    )


def sheet_role(*, sheet: Sheet, user) -> str | None:
    """owner, editor, viewer (a Role), or None (no access). What each may do:
    sheets/models.py, can_edit and can_manage."""
    if not user.is_authenticated:
        return None
    if sheet.owner_id == user.id:
        return Role.OWNER
    return SheetShare.objects.filter(sheet=sheet, user=user).values_list("role", flat=True).first()


def can_read(*, sheet: Sheet, user) -> bool:
    return sheet_role(sheet=sheet, user=user) is not None


def can_write(*, sheet: Sheet, user) -> bool:
    return can_edit(sheet_role(sheet=sheet, user=user))


def sheet_shares(*, sheet: Sheet) -> QuerySet[SheetShare]:
    return sheet.shares.select_related("user__profile").order_by("created_at")


def change_summary(payload: dict[str, Any]) -> str:
    """One line saying what a change-log entry did (each op family says it:
    sheets/op_registry.py)."""
    return op_registry.summary(payload)


def recent_changes(*, sheet: Sheet, limit: int = 50) -> list[dict[str, Any]]:
    """The newest change-log entries with their details (sheets/history.py)."""
    from sheets import history  # it reads the op registry, as the summaries do

    return history.recent_changes(sheet=sheet, limit=limit)


def sheet_for_user(*, user, sheet_id: Any) -> Sheet:
    try:
        sheet = Sheet.objects.get(pk=int(sheet_id))
    except (Sheet.DoesNotExist, TypeError, ValueError, OverflowError):
        raise SheetNotFound from None
    if not can_read(sheet=sheet, user=user):
        raise SheetNotFound
    return sheet


def sheet_version(*, sheet_id: int) -> int | None:
    return Sheet.objects.filter(pk=sheet_id).values_list("version", flat=True).first()


def sheet_versions(*, sheet_ids: list[int]) -> dict[int, int]:
    """{sheet id: version} of those that exist, in one query."""
    return dict(Sheet.objects.filter(pk__in=sheet_ids).values_list("id", "version"))


@contextlib.contextmanager
def consistent_read() -> Iterator[None]:
    """One snapshot of the database for several queries, so a version and the
    rows read with it agree, without holding up any writer.

    Inside a caller's transaction the level is the caller's: PostgreSQL only
    takes SET TRANSACTION before the transaction's first query. On SQLite,
    `transaction.atomic()` would BEGIN IMMEDIATE (settings.py) and hold the
    write lock for the whole read, so a long read there is a DEFERRED
    transaction of its own: under WAL it reads one snapshot and writers go on."""
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        if connection.connection.in_transaction:  # inside an outer read of ours
            yield
            return
        with _sqlite_read_transaction():
            yield
    else:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield


@contextlib.contextmanager
def _sqlite_read_transaction() -> Iterator[None]:
    # Django runs SQLite in autocommit with the driver's own transaction
    # handling off, so a BEGIN of our own is the transaction the queries share.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")


def shown_columns(sheet: Sheet) -> list[dict[str, Any]]:
    """The sheet (title, version and row count read again) and its columns as a
    snapshot shows them, each with its footer total. Call inside consistent_read."""
    sheet.refresh_from_db(fields=["title", "version", "row_count", "frozen_columns"])
    found = list(sheet.columns.all())
    names = {str(c.id): c.name for c in found}
    totals = column_shown.totals_of(sheet, found, rows=sheet.row_count)
    return [{**column_shown.column_info(c, names), "total": totals.get(str(c.id))} for c in found]


def view_info(view: SavedView, known: set[str]) -> events.SavedViewInfo:
    """A shared view as tabs see it (services/saved_views.py): only the
    columns in `known`, the sheet's now (a column deleted since is left out)."""
    spec = view.spec
    return {
        "id": str(view.id),
        "name": view.name,
        "spec": {
            "sort": [k for k in spec.get("sort", []) if k.get("column") in known],
            "filters": [f for f in spec.get("filters", []) if f.get("column") in known],
            "hidden": [c for c in spec.get("hidden", []) if c in known],
            "order": [c for c in spec.get("order", []) if c in known],
        },
        "created_by": view.created_by_id,
    }


def saved_views(sheet: Sheet, known: set[str]) -> list[events.SavedViewInfo]:
    """Every shared view of the sheet, by name (the snapshot's `views`)."""
    return [view_info(v, known) for v in SavedView.objects.filter(sheet=sheet)]


def sheet_snapshot(*, sheet: Sheet, row_arrays: bool = False) -> dict[str, Any]:
    """The whole sheet at one version: columns in order, rows in order.

    Rows are {"id", "values": {column id: value}}, or with `row_arrays`
    [id, value per column in order (null = empty)]: a third of the size for a
    big sheet, since column ids are not repeated in every row."""
    with consistent_read():
        columns = shown_columns(sheet)
        ids = [c["id"] for c in columns]
        known = set(ids)
        views = saved_views(sheet, known)
        rows: list[Any] = []
        for row_id, values in sheet.rows.values_list("id", "values").iterator(chunk_size=5000):
            if row_arrays:
                rows.append([str(row_id), *map(values.get, ids)])
                continue
            # Values of a deleted column may linger in a row until it is next written.
            if not known.issuperset(values):
                values = {k: v for k, v in values.items() if k in known}
            rows.append({"id": str(row_id), "values": values})
    return {
        "id": sheet.id,
        "title": sheet.title,
        "frozen_columns": sheet.frozen_columns,
        "version": sheet.version,
        "row_count": sheet.row_count,
        "columns": columns,
        "views": views,
        "rows": rows,
    }


def column_values(*, sheet: Sheet, column_ids: list[str]) -> dict[str, Any]:
    """Some columns' values at one version: {"version", "columns": the ids
    asked that exist, in the order asked, "rows": [[row id, value per column]]}."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version"])
        known = {str(i) for i in sheet.columns.values_list("id", flat=True)}
        ids = [c for c in column_ids if c in known]
        rows = [
            [str(row_id), *map(values.get, ids)]
            for row_id, values in sheet.rows.values_list("id", "values").iterator(chunk_size=5000)
        ]
    return {"version": sheet.version, "columns": ids, "rows": rows}


def changes_since(*, sheet: Sheet, since: int) -> dict[str, Any]:
    """Events after `since`, in seq order, or a "reload" answer when the log
    no longer reaches back that far or the gap is too large to replay."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version", "log_floor"])
        return _changes_since(sheet, since)


def _changes_since(sheet: Sheet, since: int) -> dict[str, Any]:
    version = sheet.version
    if since >= version:
        return {"version": version, "reload": False, "changes": []}
    # Payloads up to log_floor were pruned: from before it, only a snapshot helps.
    too_far = since < sheet.log_floor
    if too_far or version - since > settings.CATCHUP_MAX_CHANGES:
        return {"version": version, "reload": True, "changes": []}
    payloads = list(
        Change.objects.filter(sheet=sheet, seq__gt=since)
        .order_by("seq")
        .values_list("payload", flat=True)
    )
    return {"version": version, "reload": False, "changes": payloads}
