"""Per-user undo and redo, and reverting one change from the history panel,
through the server (docs/protocol.md, "Undo and redo").

Each op that can be reverted keeps, with its change-log entry, how to revert it
(`Change.undo`, written by the op itself). Undo reverts the user's latest change
on the sheet not yet reverted; redo reverts the user's latest undo, until they
make a new change. A revert from history reverts the change the user picked,
whoever made it: it is a new change of the reverting user's (so their undo
takes it back), and the picked change leaves its author's undo stack. Every
revert is an op like any other: one transaction, a new change-log entry, an
ordinary event that every tab applies.

Nothing is reverted blindly: when someone changed the same cells, rows or
columns since, the revert is refused with who did it and when. A refused undo
or redo also takes that change off the user's stack so the next undo goes on to
the one before; a refused revert from history changes nothing.

Each op family keeps its reverters beside its op (services/cells.py, rows.py,
columns.py) and registers them by undo kind in sheets/op_registry.py, with a
check of whether each of its events touches what a conflict is about (for
the blame); this module only picks the change and dispatches (`_revert`).
"""

from typing import Any

from sheets import op_registry
from sheets.history import when_text, zone_of
from sheets.models import Change, Sheet
from sheets.op_registry import Conflict
from sheets.services.core import OpError, parse_uuid, run_op

# How far back a refusal looks for who changed what (newest first).
_BLAME_SCAN = 500
_MAX_SEQ = 2**63 - 1  # the change log's seq is a BigIntegerField


def sheet_undo(*, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None) -> dict:
    """Revert the user's latest change on the sheet that is not reverted yet."""
    return _revert_latest(sheet, user, client_id, op_id, base_version, redo=False)


def sheet_redo(*, sheet: Sheet, user, client_id: str, op_id: Any, base_version: Any = None) -> dict:
    """Revert the user's latest undo, unless they changed the sheet since."""
    return _revert_latest(sheet, user, client_id, op_id, base_version, redo=True)


def change_revert(
    *, sheet: Sheet, user, client_id: str, op_id: Any, change: Any, base_version: Any = None
) -> dict:
    """Revert change `change` (its seq) of the sheet, whoever made it: a new
    change of `user`'s that their undo takes back. Refused, changing nothing,
    when someone changed the same thing since, when it was reverted already or
    when it cannot be reverted (an import, a rename, a pruned entry)."""
    seq = _parse_seq(change)
    op_uuid = parse_uuid(op_id, "op_id")

    def apply(locked: Sheet) -> dict:
        target = Change.objects.filter(sheet=locked, seq=seq).first() if seq else None
        if target is None or target.payload is None:
            raise OpError(
                "change_not_found", f"Change #{change} is not in this sheet's history.", status=409
            )
        if target.undo is None:
            raise OpError(
                "not_revertible",
                "That change cannot be reverted (an import, a rename).",
                status=409,
            )
        if Change.objects.filter(sheet=locked, undo_of=target).exists():
            raise OpError("already_reverted", f"Change #{seq} was reverted already.", status=409)
        try:
            event, inverse = _revert(locked, target, user, verb="revert")
        except _Refused as refused:
            raise OpError("revert_conflict", str(refused), status=409) from None
        target.reverted = True  # off its author's undo stack: it is undone
        target.save(update_fields=["reverted"])
        return {"event": event, "undo": inverse, "kind": "revert", "undo_of": target}

    return run_op(sheet, user, client_id, str(op_uuid), apply, base_version)


def _parse_seq(raw: Any) -> int:
    """A change's seq as the history panel names it: a positive JSON integer."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise OpError("invalid_change", "change must be the number (seq) of a change, 1 or more.")
    return raw if raw <= _MAX_SEQ else 0  # larger than any seq: not found


class _Refused(Exception):
    """A revert refused by a conflict, with the message that says who and when."""


def _revert(locked: Sheet, target: Change, user, *, verb: str) -> tuple[dict, dict]:
    """(event body, undo record of the revert) of reverting `target`, or
    _Refused naming who changed the same thing since and when."""
    try:
        return op_registry.reverter(target.undo["kind"])(locked, target.undo)
    except Conflict as conflict:
        blame = _who_changed(locked, target, conflict)
        raise _Refused(refusal_text(verb, conflict, blame, user)) from None


def refusal_text(verb: str, conflict: Conflict, blame: tuple | None, user) -> str:
    """ "Can't undo: a cell it changed was changed since by bob at 14:05." in
    the time zone of `user` (who asked)."""
    by = ""
    if blame is not None:
        who, when = blame
        by = f" by {who} {when_text(when, zone_of(user))}"
    return f"Can't {verb}: {conflict.what} changed since{by}."


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
            event, inverse = _revert(locked, target, user, verb=verb)
        except _Refused as refused:
            # Off the stack, so the next undo reaches the change before it.
            target.reverted = True
            target.refused_op = op_uuid
            target.save(update_fields=["reverted", "refused_op"])
            refusals.append(str(refused))
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
    # A new change of the user's (a revert from history included) ends what can be redone.
    last_new = (
        Change.objects.filter(sheet=locked, user=user, kind="do")
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return mine.filter(kind="undo", seq__gt=last_new or 0).order_by("-seq").first()


def _who_changed(locked: Sheet, target: Change, conflict: Conflict) -> tuple | None:
    """(username, when) of whoever last touched what the conflict is about, if
    the recent change log tells."""
    later = Change.objects.filter(sheet=locked, seq__gt=target.seq, payload__isnull=False).defer(
        "undo", "response"
    )
    for change in later.select_related("user").order_by("-seq")[:_BLAME_SCAN]:
        if change.user is not None and op_registry.touches(change.payload, conflict):
            return change.user.get_username(), change.created_at
    return None
