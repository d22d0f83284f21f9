"""Pages: the sheet list (plain and HTMX), rename, delete, the sheet page."""

import html
import json
import re
import uuid

import pytest

from sheets import services
from sheets.models import Change, Sheet

pytestmark = pytest.mark.django_db

XSS = "<img src=x onerror=alert(1)>"
HX = {"HTTP_HX_REQUEST": "true"}


def is_partial(response) -> bool:
    return b"<html" not in response.content and b"<!doctype" not in response.content.lower()


def json_script(response, element_id: str) -> dict:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no {element_id} script in the page"
    return json.loads(match.group(1))


# --- The list


def test_sheet_list_needs_login(client):
    response = client.get("/sheets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_sends_a_signed_in_user_to_the_list(auth_client, client):
    assert auth_client.get("/")["Location"] == "/sheets/"
    anonymous = client.get("/")
    assert anonymous.status_code == 200
    assert b"Log in" in anonymous.content


def test_sheet_list_shows_only_the_users_sheets(auth_client, make_sheet, other_user):
    make_sheet(title="Mine")
    make_sheet(owner=other_user, title="Theirs")
    response = auth_client.get("/sheets/")
    assert response.status_code == 200
    assert b"Mine" in response.content
    assert b"Theirs" not in response.content


def test_htmx_list_request_gets_the_partial(auth_client, make_sheet):
    make_sheet(title="Mine")
    response = auth_client.get("/sheets/", **HX)
    assert response.status_code == 200
    assert is_partial(response)
    assert b'id="sheet-list"' in response.content
    assert b"Mine" in response.content


def test_create_sheet_with_plain_post_opens_it(auth_client, user):
    response = auth_client.post("/sheets/new/", {"title": "Budget 2027"})
    sheet = Sheet.objects.get(owner=user)
    assert sheet.title == "Budget 2027"
    assert response.status_code == 302
    assert response["Location"] == f"/sheets/{sheet.id}/"


def test_create_sheet_with_htmx_sends_the_page_to_it(auth_client, user):
    response = auth_client.post("/sheets/new/", {"title": "Budget 2027"}, **HX)
    sheet = Sheet.objects.get(owner=user)
    assert sheet.title == "Budget 2027"
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/sheets/{sheet.id}/"


def test_list_page_form_carries_a_fresh_create_token(auth_client):
    first = auth_client.get("/sheets/").content.decode()
    second = auth_client.get("/sheets/").content.decode()
    pattern = r'name="create_token" value="([0-9a-f-]{36})"'
    tokens = [re.search(pattern, page).group(1) for page in (first, second)]
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize("headers", [{}, HX])
def test_create_form_sent_twice_makes_one_sheet(auth_client, user, headers):
    token = str(uuid.uuid4())
    form = {"title": "Budget 2027", "create_token": token}
    answers = [auth_client.post("/sheets/new/", form, **headers) for _ in range(2)]
    sheet = Sheet.objects.get(owner=user)
    for answer in answers:
        where = answer["HX-Redirect"] if headers else answer["Location"]
        assert where == f"/sheets/{sheet.id}/"
    # A new form (a new token) is a new sheet.
    auth_client.post("/sheets/new/", {**form, "create_token": str(uuid.uuid4())}, **headers)
    assert Sheet.objects.filter(owner=user).count() == 2


def test_create_token_is_per_user(auth_client, user, other_user):
    token = uuid.uuid4()
    theirs = services.sheet_create(owner=other_user, title="Theirs", create_token=token)
    auth_client.post("/sheets/new/", {"title": "Mine", "create_token": str(token)})
    mine = Sheet.objects.get(owner=user)
    assert mine.id != theirs.id and mine.title == "Mine"


def test_create_with_a_malformed_token_is_refused(auth_client):
    response = auth_client.post("/sheets/new/", {"title": "X", "create_token": "nope"}, **HX)
    assert response.status_code == 200
    assert "The form was out of date" in response.content.decode()
    assert not Sheet.objects.exists()


def test_create_sheet_without_title_shows_error(auth_client):
    response = auth_client.post("/sheets/new/", {"title": "  "}, **HX)
    assert response.status_code == 200
    assert is_partial(response)
    assert b'role="alert"' in response.content
    assert not Sheet.objects.exists()
    plain = auth_client.post("/sheets/new/", {"title": ""}, follow=True)
    assert b"A sheet needs a title." in plain.content
    assert not Sheet.objects.exists()


def test_create_sheet_needs_post(auth_client):
    response = auth_client.get("/sheets/new/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not Sheet.objects.exists()


# --- Rename


def test_rename_form_page_and_partial(auth_client, sheet):
    page = auth_client.get(f"/sheets/{sheet.id}/rename/")
    assert page.status_code == 200
    assert not is_partial(page)
    assert b'name="title"' in page.content
    partial = auth_client.get(f"/sheets/{sheet.id}/rename/", **HX)
    assert partial.status_code == 200
    assert is_partial(partial)
    assert f'hx-post="/sheets/{sheet.id}/rename/"'.encode() in partial.content


def test_rename_with_plain_post_goes_back_to_the_list(auth_client, sheet):
    response = auth_client.post(f"/sheets/{sheet.id}/rename/", {"title": "Plan"})
    assert response.status_code == 302
    assert response["Location"] == "/sheets/"
    sheet.refresh_from_db()
    assert (sheet.title, sheet.version) == ("Plan", 1)
    # A rename is an op like any other: logged, so open tabs hear of it.
    assert Change.objects.get(sheet=sheet).payload["type"] == "sheet.renamed"


def test_rename_with_htmx_returns_the_list_partial(auth_client, sheet):
    response = auth_client.post(f"/sheets/{sheet.id}/rename/", {"title": "Plan"}, **HX)
    assert response.status_code == 200
    assert is_partial(response)
    assert b'id="sheet-list"' in response.content
    assert b"Plan" in response.content
    assert Sheet.objects.get(pk=sheet.pk).title == "Plan"


@pytest.mark.parametrize("headers", [{}, HX])
def test_rename_to_blank_title_is_refused(auth_client, sheet, headers):
    response = auth_client.post(f"/sheets/{sheet.id}/rename/", {"title": " "}, **headers)
    # htmx 2 swaps only 2xx answers, so the form with its error is a 200 there.
    assert response.status_code == (200 if headers else 400)
    assert b"A sheet needs a title." in response.content
    assert Sheet.objects.get(pk=sheet.pk).title == "Budget"


# --- Delete


def test_delete_confirmation_page_and_partial(auth_client, sheet):
    page = auth_client.get(f"/sheets/{sheet.id}/delete/")
    assert page.status_code == 200
    assert b"Delete sheet" in page.content
    partial = auth_client.get(f"/sheets/{sheet.id}/delete/", **HX)
    assert is_partial(partial)
    assert b"cannot be undone" in partial.content
    assert Sheet.objects.filter(pk=sheet.pk).exists()


def test_delete_with_plain_post_goes_back_to_the_list(auth_client, sheet):
    response = auth_client.post(f"/sheets/{sheet.id}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/sheets/"
    assert not Sheet.objects.filter(pk=sheet.pk).exists()


def test_delete_with_htmx_returns_the_list_partial(auth_client, sheet, make_sheet):
    make_sheet(title="Keeper")
    response = auth_client.post(f"/sheets/{sheet.id}/delete/", **HX)
    assert response.status_code == 200
    assert is_partial(response)
    assert b"Keeper" in response.content
    assert f'id="sheet-{sheet.id}"'.encode() not in response.content
    assert not Sheet.objects.filter(pk=sheet.pk).exists()


# --- Another user's sheet


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/sheets/{id}/"),
        ("get", "/sheets/{id}/rename/"),
        ("post", "/sheets/{id}/rename/"),
        ("get", "/sheets/{id}/delete/"),
        ("post", "/sheets/{id}/delete/"),
    ],
)
def test_another_users_sheet_pages_are_404(auth_client, foreign_sheet, method, path):
    response = getattr(auth_client, method)(path.format(id=foreign_sheet.id), {"title": "Mine"})
    assert response.status_code == 404
    assert not re.search(rb"\bBob\b", response.content)  # a word: the CSRF token is random letters
    foreign_sheet.refresh_from_db()
    assert (foreign_sheet.title, foreign_sheet.version) == ("Bob's", 0)


def test_missing_sheet_page_is_an_html_404(auth_client):
    response = auth_client.get("/sheets/999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Not found" in response.content


# --- The sheet page


def test_sheet_page_carries_its_config(auth_client, sheet):
    response = auth_client.get(f"/sheets/{sheet.id}/")
    assert response.status_code == 200
    config = json_script(response, "sheet-config")
    assert config["sheet_id"] == sheet.id
    assert config["ws_path"] == f"/ws/sheet/{sheet.id}/"
    assert config["snapshot_url"] == f"/api/sheets/{sheet.id}/"
    assert config["changes_url"] == f"/api/sheets/{sheet.id}/changes"
    assert config["can_edit"] is True
    live = json_script(response, "live-config")
    assert live["ws_path"] == "/ws/live/"


def test_sheet_page_needs_login(client, sheet):
    response = client.get(f"/sheets/{sheet.id}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Text is shown as text


def test_html_in_a_title_is_escaped_in_the_list(auth_client, make_sheet):
    make_sheet(title=XSS)
    for response in (auth_client.get("/sheets/"), auth_client.get("/sheets/", **HX)):
        assert XSS.encode() not in response.content
        assert html.escape(XSS).encode() in response.content


def test_html_in_a_title_is_escaped_on_the_sheet_page(auth_client, make_sheet):
    sheet = make_sheet(title=XSS)
    response = auth_client.get(f"/sheets/{sheet.id}/")
    assert response.status_code == 200
    assert XSS.encode() not in response.content
    assert html.escape(XSS).encode() in response.content
    assert json_script(response, "sheet-config")["title"] == XSS


def test_html_in_a_title_is_escaped_in_rename_and_delete_forms(auth_client, make_sheet):
    sheet = make_sheet(title=XSS)
    for path in (f"/sheets/{sheet.id}/rename/", f"/sheets/{sheet.id}/delete/"):
        for headers in ({}, HX):
            response = auth_client.get(path, **headers)
            assert response.status_code == 200
            assert XSS.encode() not in response.content
            assert html.escape(XSS).encode() in response.content


def test_html_in_a_display_name_is_escaped(auth_client, user):
    from accounts import services

    services.profile_update(user=user, display_name=XSS, colour="#123456", time_zone="UTC")
    response = auth_client.get("/sheets/")
    assert XSS.encode() not in response.content
    assert html.escape(XSS).encode() in response.content
    assert json_script(response, "live-config")["user"]["display_name"] == XSS


def test_page_form_csrf_failure_is_an_html_403(client_for, user):
    client = client_for(user, enforce_csrf_checks=True)
    response = client.post("/sheets/new/", {"title": "x"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert not Sheet.objects.exists()


def test_sheet_page_says_how_the_user_types_dates_and_numbers(auth_client, sheet, user):
    from accounts import services as accounts_services

    config = json_script(auth_client.get(f"/sheets/{sheet.id}/"), "sheet-config")
    assert config["input_locale"] == {"date_order": "auto", "decimal_mark": "auto"}
    accounts_services.profile_update(
        user=user,
        display_name="Ann",
        colour="#123456",
        time_zone="UTC",
        date_order="MDY",
        decimal_mark="point",
    )
    config = json_script(auth_client.get(f"/sheets/{sheet.id}/"), "sheet-config")
    assert config["input_locale"] == {"date_order": "MDY", "decimal_mark": "point"}


def test_list_page_and_partial_vary_on_hx_request(auth_client):
    # The browser's Back would otherwise show the cached partial as the whole page.
    for headers in ({}, HX):
        assert "HX-Request" in auth_client.get("/sheets/", **headers)["Vary"]
