"""Shared views: a named sort, filters, hidden columns and column order that
everyone who can read the sheet may choose (docs/protocol.md, "Saved views").
Editors and the owner save, change and delete them; each is an op like any
other (one change-log entry, an event every tab applies, undoable).

Events `view.saved` (the whole view, new or changed) and `view.deleted`; undo
kinds "view_save" (undone: the view goes), "view_delete" (undone: it comes
back, same id) and "view_update" (undone: the name and spec before).

A column deleted after a view named it is tolerated: the stored spec keeps
its id and `selectors.view_info` leaves it out of what the snapshot and the events
show, so undoing the delete brings it back into the view, and a view whose
sort key went sorts by the keys left.
"""

import json
from typing import Any

from sheets import op_registry, viewspec
from sheets.models import SavedView, Sheet
from sheets.op_registry import Conflict
from sheets.realtime import events
from sheets.selectors import view_info
from sheets.services.core import OpError, clean_label, parse_uuid, run_op

MAX_VIEWS = 50
MAX_NAME_CHARS = 100
MAX_COLUMN_IDS = 1000  # hidden or ordered columns in one view
CONFLICT = "the view was"


def clean_name(raw: Any) -> str:
    return clean_label(
        raw,
        error="invalid_name",
        missing="A view needs a name.",
        what="A view's name",
        max_chars=MAX_NAME_CHARS,
    )


def clean_spec(raw: Any, sheet: Sheet) -> dict[str, Any]:
    """The spec as stored: sort and filters as viewspec checks them, and the
    hidden and ordered columns, every one a column of the sheet."""
    if not isinstance(raw, dict):
        raise OpError("invalid_view", "spec must be a JSON object.")
    unknown = sorted(set(raw) - {"sort", "filters", "hidden", "order"})
    if unknown:
        raise OpError("invalid_view", f"spec has a field it does not take: {unknown[0][:40]}.")
    columns = list(sheet.columns.all())
    sort_filters = {k: raw[k] for k in ("sort", "filters") if k in raw}
    try:
        viewspec.parse_view(json.dumps(sort_filters), columns)
    except viewspec.ViewSpecError as exc:
        raise OpError(exc.error, exc.message) from None
    known = {str(c.id) for c in columns}
    hidden = _column_ids(raw.get("hidden", []), known, "hidden")
    order = _column_ids(raw.get("order", []), known, "order")
    if known and known <= set(hidden):
        raise OpError("invalid_hidden", "A view shows at least one column.")
    return {
        "sort": [{"column": k["column"], "dir": k.get("dir", "asc")} for k in raw.get("sort", [])],
        "filters": raw.get("filters", []),
        "hidden": hidden,
        "order": order,
    }


def _column_ids(raw: Any, known: set[str], name: str) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_COLUMN_IDS:
        raise OpError(f"invalid_{name}", f"{name} is a list of up to {MAX_COLUMN_IDS} column ids.")
    if not all(isinstance(c, str) for c in raw):
        raise OpError(f"invalid_{name}", f"{name} is a list of column ids.")
    if len(set(raw)) < len(raw):
        raise OpError(f"invalid_{name}", f"{name} names a column more than once.")
    if not known.issuperset(raw):
        raise OpError("unknown_column", f"{name} names a column this sheet does not have.")
    return list(raw)


def _stored(view: SavedView) -> dict[str, Any]:
    """The view as an undo record keeps it."""
    return {
        "id": str(view.id),
        "name": view.name,
        "spec": view.spec,
        "created_by": view.created_by_id,
    }


def _known(locked: Sheet) -> set[str]:
    return {str(i) for i in locked.columns.values_list("id", flat=True)}


def _saved_event(locked: Sheet, view: SavedView) -> events.ViewSaved:
    return events.view_saved(view_info(view, _known(locked)))


def _check_name_free(locked: Sheet, name: str, but: Any = None) -> None:
    taken = SavedView.objects.filter(sheet=locked, name__iexact=name).exclude(pk=but)
    if taken.exists():
        raise OpError("duplicate_name", f'This sheet has a view named "{name}" already.')


def _check_room(locked: Sheet) -> None:
    if SavedView.objects.filter(sheet=locked).count() >= MAX_VIEWS:
        raise OpError("too_many_views", f"A sheet has at most {MAX_VIEWS} shared views.")


def _view(locked: Sheet, view_id: Any) -> SavedView:
    view = SavedView.objects.filter(sheet=locked, pk=view_id).first()
    if view is None:
        raise OpError("view_not_found", "That view no longer exists.", status=404)
    return view


def view_save(
    *,
    sheet: Sheet,
    user,
    name: Any,
    spec: Any = None,
    client_id: str = "",
    op_id: Any = None,
    base_version: Any = None,
) -> dict:
    """A new shared view of the sheet; the answer's `view` is it."""
    name = clean_name(name)

    def apply(locked: Sheet) -> dict:
        cleaned = clean_spec({} if spec is None else spec, locked)
        _check_name_free(locked, name)
        _check_room(locked)
        view = SavedView.objects.create(sheet=locked, name=name, spec=cleaned, created_by=user)
        event = _saved_event(locked, view)
        undo = {"kind": "view_save", "view": _stored(view)}
        return {"event": event, "undo": undo, "view": event["view"]}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def view_update(
    *,
    sheet: Sheet,
    user,
    view: Any,
    name: Any = None,
    spec: Any = None,
    client_id: str = "",
    op_id: Any = None,
    base_version: Any = None,
) -> dict:
    """A new name and/or spec for a shared view (a field left out or null stays)."""
    view_id = parse_uuid(view, "view")
    new_name = None if name is None else clean_name(name)

    def apply(locked: Sheet) -> dict:
        saved = _view(locked, view_id)
        new_spec = None if spec is None else clean_spec(spec, locked)
        before = _stored(saved)
        if new_name is not None and new_name != saved.name:
            _check_name_free(locked, new_name, but=saved.pk)
            saved.name = new_name
        if new_spec is not None:
            saved.spec = new_spec
        if saved.name == before["name"] and saved.spec == before["spec"]:
            return {"event": None}
        saved.save(update_fields=["name", "spec", "updated_at"])
        event = _saved_event(locked, saved)
        undo = {"kind": "view_update", "before": before, "after": _stored(saved)}
        return {"event": event, "undo": undo, "view": event["view"]}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


def view_delete(
    *,
    sheet: Sheet,
    user,
    view: Any,
    client_id: str = "",
    op_id: Any = None,
    base_version: Any = None,
) -> dict:
    view_id = parse_uuid(view, "view")

    def apply(locked: Sheet) -> dict:
        saved = _view(locked, view_id)
        undo = {"kind": "view_delete", "view": _stored(saved)}
        saved.delete()
        return {"event": events.view_deleted(str(view_id)), "undo": undo}

    return run_op(sheet, user, client_id, op_id, apply, base_version)


# --- Reverters: nothing is reverted over someone's later change to the view.


def _unchanged(locked: Sheet, stored: dict) -> SavedView:
    view = SavedView.objects.filter(sheet=locked, pk=stored["id"]).first()
    if view is None or view.name != stored["name"] or view.spec != stored["spec"]:
        raise Conflict(CONFLICT)
    return view


def _restore(locked: Sheet, stored: dict, view: SavedView | None = None) -> SavedView:
    taken = SavedView.objects.filter(sheet=locked, name__iexact=stored["name"])
    if taken.exclude(pk=stored["id"]).exists():
        raise Conflict(CONFLICT)
    if view is None:
        if SavedView.objects.filter(sheet=locked).count() >= MAX_VIEWS:
            raise Conflict(CONFLICT)
        view = SavedView(sheet=locked, pk=stored["id"], created_by_id=stored["created_by"])
    view.name, view.spec = stored["name"], stored["spec"]
    view.save()
    return view


def revert_view_save(locked: Sheet, spec: dict) -> tuple[events.ViewDeleted, dict]:
    _unchanged(locked, spec["view"]).delete()
    return events.view_deleted(spec["view"]["id"]), {"kind": "view_delete", "view": spec["view"]}


def revert_view_delete(locked: Sheet, spec: dict) -> tuple[events.ViewSaved, dict]:
    if SavedView.objects.filter(pk=spec["view"]["id"]).exists():
        raise Conflict(CONFLICT)
    view = _restore(locked, spec["view"])
    return _saved_event(locked, view), {"kind": "view_save", "view": spec["view"]}


def revert_view_update(locked: Sheet, spec: dict) -> tuple[events.ViewSaved, dict]:
    view = _restore(locked, spec["before"], _unchanged(locked, spec["after"]))
    inverse = {"kind": "view_update", "before": spec["after"], "after": spec["before"]}
    return _saved_event(locked, view), inverse


op_registry.register_event(
    events.VIEW_SAVED,
    summary=lambda e: f'saved the view "{e.get("view", {}).get("name", "")}"',
    touches=lambda e, conflict: conflict.what == CONFLICT,
)
op_registry.register_event(
    events.VIEW_DELETED,
    summary=lambda e: "deleted a shared view",
    touches=lambda e, conflict: conflict.what == CONFLICT,
)
op_registry.register_reverter("view_save", revert_view_save)
op_registry.register_reverter("view_delete", revert_view_delete)
op_registry.register_reverter("view_update", revert_view_update)
