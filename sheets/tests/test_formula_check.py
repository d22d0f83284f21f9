"""POST /api/sheets/<id>/formula/check: what saving a formula would say, as
the column dialog asks while the user types; nothing is written."""

import pytest

from sheets import services
from sheets.models import Role
from sheets.services.totals import SUMMARIES
from sheets.tests.formula_sheets import add_formula, priced_sheet
from sheets.tests.helpers import assert_json_error, new_id, post, sheet_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def cols(sheet, user):
    return priced_sheet(sheet, user)


def check(client, sheet, body):
    return post(client, f"/api/sheets/{sheet.id}/formula/check", body)


def test_a_good_formula_answers_its_result_type_and_writes_nothing(auth_client, sheet, cols):
    before = sheet_state(sheet)
    response = check(auth_client, sheet, {"formula": "=[price] * [Qty]", "column": None})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "result_type": "number", "formula": "=[Price] * [Qty]"}
    text = check(auth_client, sheet, {"formula": '=[Item] & "!"'}).json()
    assert text["result_type"] == "text"
    assert sheet_state(sheet) == before


def test_a_syntax_error_answers_its_position_and_what_was_expected(auth_client, sheet, cols):
    body = check(auth_client, sheet, {"formula": "=[Price] *", "column": None}).json()
    assert body["ok"] is False
    assert body["error"] == "formula_syntax"
    assert body["position"] == 10
    assert body["expected"]
    assert "position 10" in body["message"]
    assert check(auth_client, sheet, {"formula": "Price"}).json()["error"] == "formula_syntax"


def test_the_same_refusals_as_saving_a_column(auth_client, sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    # Giving Price a formula that reads Total would make a cycle: named, as the op names it.
    body = check(auth_client, sheet, {"formula": "=[Total] + 1", "column": cols["Price"]}).json()
    assert body["ok"] is False
    assert body["error"] == "formula_cycle"
    assert body["columns"] == [cols["Price"], total, cols["Price"]]
    assert "[Price] → [Total] → [Price]" in body["message"]
    # The column's own (new) name counts too.
    own = check(auth_client, sheet, {"formula": "=[Net] * 2", "column": None, "name": "Net"})
    assert own.json()["error"] == "formula_cycle"
    deep = check(auth_client, sheet, {"formula": "=" + "(" * 60 + "1" + ")" * 60})
    assert deep.json()["error"] == "formula_syntax"
    assert "nested" in deep.json()["message"]
    # An unknown name is no refusal: it computes #NAME?.
    assert check(auth_client, sheet, {"formula": "=[Prise]"}).json()["ok"] is True


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"column": None}, "missing_field"),
        ({"formula": 12}, "invalid_formula"),
        ({"formula": None}, "invalid_formula"),
        ({"formula": "=1", "column": 7}, "invalid_id"),
        ({"formula": "=1", "column": "abc"}, "invalid_id"),
        ({"formula": "=1", "name": ["x"]}, "invalid_name"),
        ({"formula": "=" + "1+" * 2500 + "1"}, "formula_too_long"),
        (["=1"], "invalid_json"),
        ("{not json", "invalid_json"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_error(auth_client, sheet, cols, body, error):
    assert_json_error(check(auth_client, sheet, body), 400, error)


def test_a_column_of_another_sheet_is_not_found(auth_client, sheet, make_sheet, cols):
    elsewhere = make_sheet(title="Other")
    col = str(elsewhere.columns.first().id)
    assert_json_error(check(auth_client, sheet, {"formula": "=1", "column": col}), 404)
    assert_json_error(check(auth_client, sheet, {"formula": "=1", "column": new_id()}), 404)


def test_only_people_who_may_see_the_sheet_may_check(
    client, client_for, user, other_user, foreign_sheet, sheet
):
    assert_json_error(check(client, sheet, {"formula": "=1"}), 401, "unauthenticated")
    assert_json_error(check(client_for(other_user), sheet, {"formula": "=1"}), 404, "not_found")
    assert_json_error(check(client_for(user), foreign_sheet, {"formula": "=1"}), 404, "not_found")
    # A viewer reads the sheet, and the check reads nothing more.
    services.sheet_share(sheet=foreign_sheet, user=other_user, who=user.username, role=Role.VIEWER)
    answer = check(client_for(user), foreign_sheet, {"formula": "=1 + 1"})
    assert answer.json() == {"ok": True, "result_type": "number", "formula": "=1 + 1"}


def test_get_is_not_allowed(auth_client, sheet):
    response = auth_client.get(f"/api/sheets/{sheet.id}/formula/check")
    assert_json_error(response, 405, "method_not_allowed")


def test_the_sheet_page_offers_every_summary_the_server_takes_and_the_check(auth_client, sheet):
    page = auth_client.get(f"/sheets/{sheet.id}/").content.decode()
    assert SUMMARIES
    for kind, label in SUMMARIES:
        assert f'<option value="{kind}">{label}</option>' in page
    assert '<option value="formula">Formula</option>' in page
    assert f"/api/sheets/{sheet.id}/formula/check" in page
