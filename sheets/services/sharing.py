"""Who may do what on a sheet: shares with roles, and ownership transfer.

Only the owner manages access. A change takes effect at once in open tabs: the
affected user's sockets on the sheet are told their new role, or told they lost
access and closed (4403); and every socket of theirs (a list page's too) is told
that their list of sheets changed (`sheets.changed`).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from proj.text import refusal
from sheets import realtime
from sheets.models import SHARE_ROLES, Role, Sheet, SheetShare
from sheets.services.core import OpError, announce_lists_changed, lock_sheet, sheet_member_ids


def _find_user(who: object):
    if not isinstance(who, str) or not who.strip():
        raise OpError("invalid_user", "Give a username or an email address.")
    who = who.strip()
    if message := refusal(who, "A username or email address"):
        raise OpError("invalid_user", message)
    matches = list(
        get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who))[:2]
    )
    if len(matches) != 1:
        # One message for "none" and "ambiguous": no hint about who exists.
        raise OpError("unknown_user", f"No single user is called or has the email “{who}”.")
    return matches[0]


def _clean_role(role: object) -> str:
    if role not in dict(SHARE_ROLES):
        raise OpError("invalid_role", "A role is viewer or editor.")
    return role  # type: ignore[return-value]


def _announce(sheet_id: int, user_id: int, role: str | None) -> None:
    transaction.on_commit(
        lambda: realtime.broadcast_access_changed(sheet_id=sheet_id, user_id=user_id, role=role)
    )


@transaction.atomic
def sheet_share(*, sheet: Sheet, user, who: object, role: object) -> SheetShare:
    """Share with a user as viewer or editor, or change their role."""
    locked = lock_sheet(sheet=sheet, user=user, manage=True)
    role = _clean_role(role)
    target = _find_user(who)
    if target.id == locked.owner_id:
        raise OpError("invalid_user", "The owner already has full access.")
    share, created = SheetShare.objects.get_or_create(
        sheet=locked, user=target, defaults={"role": role}
    )
    if not created and share.role != role:
        share.role = role
        share.save(update_fields=["role"])
    _announce(locked.id, target.id, role)
    announce_lists_changed(locked.id, [target.id], "shared")
    return share


@transaction.atomic
def share_remove(*, sheet: Sheet, user, target_id: int) -> None:
    locked = lock_sheet(sheet=sheet, user=user, manage=True)
    deleted, _ = SheetShare.objects.filter(sheet=locked, user_id=target_id).delete()
    if not deleted:
        raise OpError("not_shared", "That user has no access to remove.", status=404)
    _announce(locked.id, target_id, None)
    announce_lists_changed(locked.id, [target_id], "unshared")


@transaction.atomic
def sheet_transfer(*, sheet: Sheet, user, who: object) -> Sheet:
    """Make another user the owner; the old owner stays on as an editor."""
    locked = lock_sheet(sheet=sheet, user=user, manage=True)
    target = _find_user(who)
    if target.id == locked.owner_id:
        raise OpError("invalid_user", "That user owns the sheet already.")
    old_owner_id = locked.owner_id
    SheetShare.objects.filter(sheet=locked, user=target).delete()
    locked.owner = target
    locked.save(update_fields=["owner", "updated_at"])
    SheetShare.objects.create(sheet=locked, user_id=old_owner_id, role=Role.EDITOR)
    _announce(locked.id, target.id, Role.OWNER)
    _announce(locked.id, old_owner_id, Role.EDITOR)
    # Everyone's list names the owner.
    announce_lists_changed(locked.id, sheet_member_ids(locked), "transferred")
    return locked
