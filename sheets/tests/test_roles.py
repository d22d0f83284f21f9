"""The one role rule (sheets/models.py) as the page, the socket and the services say it."""

import pytest
from channels.db import database_sync_to_async

from sheets import services
from sheets.models import SHARE_ROLES, Role, can_edit, can_manage, role_label
from sheets.tests.test_pages import json_script

pytestmark = pytest.mark.django_db(transaction=True)

ACCESS = {
    "owner": {"role": "owner", "can_edit": True, "can_manage": True, "role_label": "Owner"},
    "editor": {"role": "editor", "can_edit": True, "can_manage": False, "role_label": "Editor"},
    "viewer": {"role": "viewer", "can_edit": False, "can_manage": False, "role_label": "View only"},
}


@pytest.mark.parametrize("role", sorted(ACCESS))
def test_each_role_may_what_its_rule_says(role):
    expected = ACCESS[role]
    assert (can_edit(role), can_manage(role), role_label(role)) == (
        expected["can_edit"],
        expected["can_manage"],
        expected["role_label"],
    )


def test_no_role_may_nothing():
    assert (can_edit(None), can_manage(None), role_label(None)) == (False, False, "View only")


def test_a_share_gives_viewer_or_editor_never_owner(sheet, user, make_user):
    make_user("dan")
    assert [value for value, _ in SHARE_ROLES] == ["viewer", "editor"]
    with pytest.raises(services.OpError) as refused:
        services.sheet_share(sheet=sheet, user=user, who="dan", role=Role.OWNER)
    assert refused.value.error == "invalid_role"


@pytest.fixture
def roles(sheet, user, make_user):
    """{role: user with that role on `sheet`}."""
    editor, viewer = make_user("bea"), make_user("cal")
    services.sheet_share(sheet=sheet, user=user, who="bea", role="editor")
    services.sheet_share(sheet=sheet, user=user, who="cal", role="viewer")
    return {"owner": user, "editor": editor, "viewer": viewer}


@pytest.mark.parametrize("role", sorted(ACCESS))
def test_the_page_carries_the_role_and_shows_its_label(role, roles, sheet, client_for):
    response = client_for(roles[role]).get(f"/sheets/{sheet.id}/")
    config = json_script(response, "sheet-config")
    assert {k: config[k] for k in ACCESS[role]} == ACCESS[role]
    badge = f'data-role="{role}">{ACCESS[role]["role_label"]}</span>'
    assert badge in response.content.decode()


@pytest.mark.parametrize("role", sorted(ACCESS))
async def test_hello_on_a_sheet_socket_carries_the_role(role, roles, sheet, ws_connect):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=roles[role])
    hello = await socket.receive_type("hello")
    assert {k: hello[k] for k in ACCESS[role]} == ACCESS[role]
    await socket.disconnect()


async def test_access_changed_carries_the_new_role(roles, sheet, user, ws_connect):
    socket = await ws_connect(f"/ws/sheet/{sheet.id}/", user=roles["viewer"])
    await socket.receive_type("hello")
    await database_sync_to_async(services.sheet_share)(
        sheet=sheet, user=user, who="cal", role="editor"
    )
    changed = await socket.receive_type("access.changed")
    assert {k: changed[k] for k in ACCESS["editor"]} == ACCESS["editor"]
    assert changed["sheet_id"] == sheet.id
    await socket.disconnect()


def test_the_list_offers_each_role_its_actions(roles, sheet, client_for):
    pages = {role: client_for(u).get("/sheets/").content.decode() for role, u in roles.items()}
    rename, delete = f"Rename {sheet.title}", f"Delete {sheet.title}"
    assert rename in pages["owner"] and delete in pages["owner"]
    assert rename in pages["editor"] and delete not in pages["editor"]
    assert rename not in pages["viewer"] and delete not in pages["viewer"]
    assert "shared by" not in pages["owner"]
    assert "· editor" in pages["editor"] and "· viewer" in pages["viewer"]
