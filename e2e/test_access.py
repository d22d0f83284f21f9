"""Another user's sheet does not exist for you: page, API and socket."""

from e2e.pages import SheetPage, create_sheet, goto_list

OPEN_SOCKET = """async (path) => {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
    const ws = new WebSocket(url);
    return await new Promise((resolve) => {
        ws.addEventListener('close', (event) => resolve(event.code));
    });
}"""


def test_second_user_gets_404_for_page_api_and_socket(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Ann's private sheet")
    SheetPage(ann.new_page(), sheet_id).open()  # it exists, for Ann

    bob = new_user("bob")
    page = bob.new_page()

    response = page.goto(f"/sheets/{sheet_id}/")
    assert response is not None and response.status == 404
    assert "Ann's private sheet" not in page.content()

    api = page.request.get(f"/api/sheets/{sheet_id}/")
    assert api.status == 404
    assert api.json()["error"] == "not_found"
    changes = page.request.get(f"/api/sheets/{sheet_id}/changes?since=0")
    assert changes.status == 404

    goto_list(page)
    assert page.evaluate(OPEN_SOCKET, f"/ws/sheet/{sheet_id}/") == 4404
    # The same for a sheet that does not exist at all: nothing tells them apart.
    assert page.evaluate(OPEN_SOCKET, f"/ws/sheet/{sheet_id + 100000}/") == 4404
    assert page.request.get(f"/api/sheets/{sheet_id + 100000}/").status == 404


def test_second_user_cannot_write_to_the_sheet(new_user):
    ann = new_user("ann")
    sheet_id = create_sheet(ann.new_page(), "Ann's numbers")
    tab = SheetPage(ann.new_page(), sheet_id).open()
    snapshot = tab.page.request.get(f"/api/sheets/{sheet_id}/").json()
    row, col = snapshot["rows"][0]["id"], snapshot["columns"][0]["id"]

    bob = new_user("bob")
    page = bob.new_page()
    goto_list(page)
    token = page.evaluate(
        "() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']"
    )
    answer = page.request.post(
        f"/api/sheets/{sheet_id}/cells",
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
        data={
            "client_id": "bob-tab",
            "op_id": "5b0e1c3e-8d1f-4f39-9a53-0c0d5b8f6a11",
            "changes": [{"row": row, "col": col, "value": "bob was here"}],
        },
    )
    assert answer.status == 404
    # Ann's tab is still live and never saw it: a later edit of hers arrives first.
    tab.type_cell(1, 0, "ann")
    tab.expect_cell(1, 0, "ann")
    tab.reload()
    tab.expect_cell(0, 0, "")
    tab.expect_cell(1, 0, "ann")
