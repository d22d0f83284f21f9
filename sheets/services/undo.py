"""Per-user undo and redo through the server (docs/protocol.md, "Undo and redo").

Each op that can be reverted keeps, with its change-log entry, how to revert it
(`Change.undo`, written by the op itself). Undo reverts the user's latest change
on the sheet not yet reverted; redo reverts the user's latest undo, until they
make a new change. A revert is an op like any other: one transaction, a new
change-log entry, an ordinary event that every tab applies.

Nothing is reverted blindly: when someone changed the same cells, rows or
columns since, the revert is refused with who did it, and that change leaves the
user's stack so the next undo goes on to the one before.

Each op family keeps its reverters beside its op (services/cells.py, rows.py,
columns.py) and registers them by undo kind in sheets/op_registry.py, with a
check of whether each of its events touches what a conflict is about (for
the blame); this module only picks the change and dispatches.
"""

from typing import Any

from sheets import op_registry
from sheets.models import Change, Sheet
from sheets.op_registry import Conflict
from sheets.services.core import OpError, parse_uuid, run_op

# How far back a refusal looks for who changed what (newest first).
_BLAME_SCAN = 500


def sheet_undo(*, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None) -> dict:
    """Revert the user's latest change on the sheet that is not reverted yet."""
    return _revert_latest(sheet, user, client_id, op_id, base_version, redo=False)


def sheet_redo(*, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None) -> dict:
    """Revert the user's latest undo, unless they changed the sheet since."""
    return _revert_latest(sheet, user, client_id, op_id, base_version, redo=True)


def _revert_latest(sheet, user, client_id, op_id, base_version, *, redo: bool) -> dict:
    verb = "redo" if redo else "undo"
    op_uuid = parse_uuid(op_id, "op_id")
    refusals: list[str] = []

    def apply(locked: Sheet) -> dict:
        if Change.objects.filter(sheet=locked, refused_op=op_uuid).exists():
            refusals.append(f"Can't {verb}: what it would change was changed since.")
            return {"event": None}
        target = _latest(locked, user, redo=redo)
        if target is None:
            raise OpError(f"nothing_to_{verb}", f"Nothing of yours to {verb} here.", status=409)
        try:
            event, inverse = op_registry.reverter(target.undo["kind"])(locked, target.undo)
        except Conflict as conflict:
            # Off the stack, so the next undo reaches the change before it.
            target.reverted = True
            target.refused_op = op_uuid
            target.save(update_fields=["reverted", "refused_op"])
            who = _who_changed(locked, target, conflict)
            by = f" by {who}" if who else ""
            refusals.append(f"Can't {verb}: {conflict.what} changed since{by}.")
            return {"event": None}
        target.reverted = True
        target.save(update_fields=["reverted"])
        return {"event": event, "undo": inverse, "kind": verb, "undo_of": target}

    result = run_op(sheet, user, client_id, str(op_uuid), apply, base_version)
    if refusals:
        # The refusal itself was committed (the change left the stack).
        raise OpError("undo_conflict", refusals[0], status=409)
    return result


def _latest(locked: Sheet, user, *, redo: bool) -> Change | None:
    mine = Change.objects.filter(sheet=locked, user=user, reverted=False, undo__isnull=False)
    if not redo:
        return mine.exclude(kind="undo").order_by("-seq").first()
    # A new change of the user's ends what can be redone.
    last_new = (
        Change.objects.filter(sheet=locked, user=user, kind="do")
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return mine.filter(kind="undo", seq__gt=last_new or 0).order_by("-seq").first()


def _who_changed(locked: Sheet, target: Change, conflict: Conflict) -> str | None:
    """The name of whoever last touched what the conflict is about, if the
    recent change log tells."""
    later = Change.objects.filter(sheet=locked, seq__gt=target.seq, payload__isnull=False).defer(
        "undo", "response"
    )
    for change in later.select_related("user").order_by("-seq")[:_BLAME_SCAN]:
        if change.user is not None and op_registry.touches(change.payload, conflict):
            return change.user.get_username()
    return None
