"""A column's number format, kept for everyone: set and cleared through the
column update op, refused when malformed, for number columns and number
formulas only, in the snapshot and the event, undone and redone, back with an
undone column delete, sent live to every tab, written into the XLSX export
while the stored value (and the CSV) stay as they were."""

import io
import json

import openpyxl
import pytest
from channels.db import database_sync_to_async

from sheets import number_format, services
from sheets.models import Column
from sheets.services import OpError
from sheets.tests.formula_sheets import add_formula, column, priced_sheet
from sheets.tests.helpers import (
    col_ids,
    logged_in_client,
    new_id,
    post,
    row_ids,
    sheet_state,
    sheet_tabs,
    update,
    version,
)

pytestmark = pytest.mark.django_db

TWO_GROUPED = {"decimals": 2, "thousands": True}
STORED_TWO_GROUPED = {"decimals": 2, "thousands": True, "style": "plain", "currency": None}


def set_format(sheet, user, col, fmt, **more):
    return services.column_update(
        sheet=sheet,
        user=user,
        client_id="tab-1",
        op_id=new_id(),
        column=col,
        number_format=fmt,
        **more,
    )


def format_of(col: str) -> dict | None:
    return Column.objects.get(id=col).number_format


@pytest.fixture
def priced(sheet, user) -> dict[str, str]:
    return priced_sheet(sheet, user)


def test_format_is_set_shown_in_the_event_and_the_snapshot(sheet, user, priced):
    price = priced["Price"]
    assert column(sheet, price)["number_format"] is None  # as stored
    answer = set_format(sheet, user, price, TWO_GROUPED)
    assert format_of(price) == STORED_TWO_GROUPED
    assert answer["event"]["type"] == "column.updated"
    assert answer["event"]["column"]["number_format"] == STORED_TWO_GROUPED
    assert answer["event"]["values"] == {}
    assert column(sheet, price)["number_format"] == STORED_TWO_GROUPED


def test_the_stored_values_do_not_change(sheet, user, priced):
    price = priced["Price"]
    before = [r.values.get(price) for r in sheet.rows.order_by("order")]
    assert 1.5 in before
    set_format(sheet, user, price, {"decimals": 0, "style": "percent"})
    assert [r.values.get(price) for r in sheet.rows.order_by("order")] == before


def test_null_or_an_object_asking_nothing_is_as_stored_again(sheet, user, priced):
    price = priced["Price"]
    set_format(sheet, user, price, TWO_GROUPED)
    answer = set_format(sheet, user, price, None)
    assert format_of(price) is None
    assert answer["event"]["column"]["number_format"] is None
    set_format(sheet, user, price, TWO_GROUPED)
    set_format(sheet, user, price, {"decimals": None, "thousands": False, "style": "plain"})
    assert format_of(price) is None


def test_currency_and_percent_are_kept_as_given(sheet, user, priced):
    price = priced["Price"]
    set_format(sheet, user, price, {"style": "currency", "currency": "EUR", "thousands": True})
    assert format_of(price) == {
        "decimals": None,
        "thousands": True,
        "style": "currency",
        "currency": "EUR",
    }
    set_format(sheet, user, price, {"style": "percent", "decimals": 1})
    assert format_of(price)["style"] == "percent"


def test_format_goes_with_a_rename_and_keeps_the_rest(sheet, user, priced):
    price = priced["Price"]
    answer = set_format(sheet, user, price, TWO_GROUPED, name="Cost")
    col = Column.objects.get(id=price)
    assert (col.name, col.type, col.number_format) == ("Cost", "number", STORED_TWO_GROUPED)
    assert answer["event"]["column"]["name"] == "Cost"


def test_a_number_formula_takes_a_format(sheet, user, priced):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    set_format(sheet, user, total, TWO_GROUPED)
    assert format_of(total) == STORED_TWO_GROUPED


BAD_FORMATS = [
    "2 decimals",
    2,
    True,
    [],
    {"decimals": 11},
    {"decimals": -1},
    {"decimals": 2.0},
    {"decimals": "2"},
    {"decimals": True},
    {"thousands": "yes"},
    {"thousands": 1},
    {"style": "money"},
    {"style": None},
    {"style": "currency"},
    {"style": "currency", "currency": "usd"},
    {"style": "currency", "currency": "ABC"},
    {"style": "currency", "currency": 978},
    {"style": "percent", "currency": "EUR"},
    {"colour": "red"},
    {"decimals": 2, "locale": "de-DE"},
]


@pytest.mark.parametrize("fmt", BAD_FORMATS, ids=repr)
def test_a_bad_format_is_refused_and_nothing_changes(sheet, user, priced, fmt):
    price = priced["Price"]
    set_format(sheet, user, price, TWO_GROUPED)
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        set_format(sheet, user, price, fmt, name="Not this")
    assert (refused.value.error, refused.value.status) == ("invalid_number_format", 400)
    assert sheet_state(sheet) == before


def test_decimals_bounds_are_taken(sheet, user, priced):
    for decimals in (0, 10):
        set_format(sheet, user, priced["Price"], {"decimals": decimals})
        assert format_of(priced["Price"])["decimals"] == decimals


@pytest.mark.parametrize("kind", ["text", "date", "checkbox"])
def test_a_format_is_refused_on_a_column_that_holds_no_numbers(sheet, user, kind):
    col = col_ids(sheet)[0]
    services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, type=kind
    )
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        set_format(sheet, user, col, TWO_GROUPED)
    assert (refused.value.error, refused.value.status) == ("invalid_number_format", 400)
    assert sheet_state(sheet) == before
    set_format(sheet, user, col, None)  # clearing is always allowed
    assert format_of(col) is None


def test_a_text_formula_refuses_a_format_and_the_whole_op(sheet, user, priced):
    label = add_formula(sheet, user, "Label", '=[Item] & "!"')["id"]
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        set_format(sheet, user, label, TWO_GROUPED, name="Shout")
    assert refused.value.error == "invalid_number_format"
    assert sheet_state(sheet) == before


def test_a_type_change_to_number_takes_a_format_in_the_same_op(sheet, user):
    col = col_ids(sheet)[0]
    update(sheet, user, [{"row": row_ids(sheet)[0], "col": col, "value": "1299.5"}])
    set_format(sheet, user, col, TWO_GROUPED, type="number")
    assert format_of(col) == STORED_TWO_GROUPED


def test_undo_restores_the_old_format_and_redo_the_new(sheet, user, priced):
    price = priced["Price"]
    set_format(sheet, user, price, TWO_GROUPED)
    set_format(sheet, user, price, {"style": "currency", "currency": "USD"})
    undone = services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert format_of(price) == STORED_TWO_GROUPED
    assert undone["event"]["column"]["number_format"] == STORED_TWO_GROUPED
    redone = services.sheet_redo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert format_of(price)["currency"] == "USD"
    assert redone["event"]["column"]["number_format"]["currency"] == "USD"
    services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert format_of(price) is None


def test_undoing_a_column_delete_brings_its_format_back(sheet, user, priced):
    price = priced["Price"]
    set_format(sheet, user, price, TWO_GROUPED)
    services.columns_delete(
        sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), columns=[price]
    )
    undone = services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert format_of(price) == STORED_TWO_GROUPED
    back = next(c for c in undone["event"]["columns"] if c["id"] == price)
    assert back["number_format"] == STORED_TWO_GROUPED


def test_undo_is_refused_when_someone_changed_the_format_since(sheet, user, other_user, priced):
    services.sheet_share(sheet=sheet, user=user, who=other_user.username, role="editor")
    price = priced["Price"]
    set_format(sheet, user, price, TWO_GROUPED)
    set_format(sheet, other_user, price, {"decimals": 0})
    with pytest.raises(OpError) as refused:
        services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    assert refused.value.error == "undo_conflict"
    assert format_of(price)["decimals"] == 0


# --- Through the API and the socket


def _op(client, sheet, body):
    url = f"/api/sheets/{sheet.id}/columns/update"
    return post(client, url, {"client_id": "tab-1", "op_id": new_id(), **body})


@pytest.mark.parametrize(
    "fmt",
    [{"decimals": 99}, {"style": "currency", "currency": "XYZ"}, {"size": 3}, "0.00"],
    ids=repr,
)
def test_api_refuses_a_bad_format_with_a_clear_400(client_for, user, sheet, priced, fmt):
    client = client_for(user)
    seen = version(sheet)
    response = _op(client, sheet, {"column": priced["Price"], "number_format": fmt})
    assert response.status_code == 400
    answer = json.loads(response.content)
    assert answer["error"] == "invalid_number_format"
    assert answer["message"]
    assert format_of(priced["Price"]) is None
    assert version(sheet) == seen


def test_api_names_what_is_wrong(client_for, user, sheet, priced):
    client = client_for(user)
    col = priced["Price"]
    cases = {
        "decimals": {"decimals": 11},
        "ISO 4217": {"style": "currency", "currency": "ABC"},
        "colour": {"colour": "red"},
        "thousands": {"thousands": "yes"},
    }
    for words, fmt in cases.items():
        answer = json.loads(_op(client, sheet, {"column": col, "number_format": fmt}).content)
        assert words in answer["message"], answer


def test_api_sets_the_format(client_for, user, sheet, priced):
    client = client_for(user)
    response = _op(client, sheet, {"column": priced["Price"], "number_format": TWO_GROUPED})
    assert response.status_code == 200
    snapshot = json.loads(client.get(f"/api/sheets/{sheet.id}/").content)
    shown = next(c for c in snapshot["columns"] if c["id"] == priced["Price"])
    assert shown["number_format"] == STORED_TWO_GROUPED


def test_a_viewer_cannot_change_a_format(client_for, make_user, user, sheet, priced):
    viewer = make_user()
    services.sheet_share(sheet=sheet, user=user, who=viewer.username, role="viewer")
    response = _op(
        client_for(viewer), sheet, {"column": priced["Price"], "number_format": TWO_GROUPED}
    )
    assert response.status_code == 403
    assert format_of(priced["Price"]) is None


@pytest.mark.django_db(transaction=True)
async def test_format_change_reaches_every_tab(ws_connect, user, sheet):
    tabs = await sheet_tabs(ws_connect, user, sheet)
    client = await logged_in_client(user)
    col = (await database_sync_to_async(col_ids)(sheet))[1]
    retyped = await database_sync_to_async(_op)(client, sheet, {"column": col, "type": "number"})
    assert retyped.status_code == 200
    body = {"column": col, "number_format": TWO_GROUPED}
    response = await database_sync_to_async(_op)(client, sheet, body)
    assert response.status_code == 200
    for tab in tabs:
        event = await tab.receive_type("column.updated")
        assert event["column"]["number_format"] is None  # the type change first
        event = await tab.receive_type("column.updated")
        assert event["column"]["id"] == col
        assert event["column"]["number_format"] == STORED_TWO_GROUPED
        await tab.disconnect()


# --- Export


def _download(client, sheet, fmt: str) -> bytes:
    response = client.get(f"/sheets/{sheet.id}/export.{fmt}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_xlsx_cells_carry_the_format_and_the_stored_value(auth_client, user, sheet, priced):
    price, qty = priced["Price"], priced["Qty"]
    first = row_ids(sheet)[0]
    update(sheet, user, [{"row": first, "col": price, "value": 1299.5}])
    set_format(sheet, user, price, TWO_GROUPED)
    set_format(sheet, user, qty, {"style": "percent", "decimals": 1})
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]", after=qty)["id"]
    set_format(sheet, user, total, {"style": "currency", "currency": "EUR", "thousands": True})
    book = openpyxl.load_workbook(io.BytesIO(_download(auth_client, sheet, "xlsx")))
    page = book.active
    header = [c.value for c in page[1]]
    assert header == ["Item", "Price", "Qty", "Total"]
    price_cell, qty_cell, total_cell = page.cell(2, 2), page.cell(2, 3), page.cell(2, 4)
    assert (price_cell.value, price_cell.number_format) == (1299.5, "#,##0.00")
    assert (qty_cell.value, qty_cell.number_format) == (3, "0.0%")
    assert (total_cell.value, total_cell.number_format) == (3898.5, '"€"#,##0.00')
    # The empty Qty cell of the third row stays empty; a column without a format is General.
    assert page.cell(4, 3).value is None
    assert page.cell(2, 1).number_format == "General"


def test_csv_keeps_the_stored_values(auth_client, user, sheet, priced):
    price = priced["Price"]
    update(sheet, user, [{"row": row_ids(sheet)[0], "col": price, "value": 1299.5}])
    set_format(sheet, user, price, {"decimals": 2, "thousands": True, "style": "percent"})
    text = _download(auth_client, sheet, "csv").decode("utf-8-sig")
    assert "1299.5" in text
    assert "%" not in text and "1,299" not in text


def money(code, decimals=None, thousands=False):
    return {"decimals": decimals, "thousands": thousands, "style": "currency", "currency": code}


def plain(decimals, thousands, style="plain"):
    return {"decimals": decimals, "thousands": thousands, "style": style, "currency": None}


@pytest.mark.parametrize(
    ("fmt", "value", "excel"),
    [
        (plain(2, True), 1299.5, "#,##0.00"),
        (plain(0, False), 1299.5, "0"),
        (plain(None, True), 1299, "#,##0"),
        (plain(None, True), 1299.5, "#,##0.##########"),
        (plain(None, False, "percent"), 0.25, "0%"),
        (plain(None, False, "percent"), 0.125, "0.##########%"),
        (plain(1, False, "percent"), 0.125, "0.0%"),
        (money("USD", thousands=True), 1, '"$"#,##0.00'),
        (money("JPY", thousands=True), 1, '"¥"#,##0'),
        (money("CHF", decimals=1), 1, '"CHF "0.0'),
        (money("KWD"), 1, '"KWD "0.000'),
    ],
)
def test_excel_formats(fmt, value, excel):
    assert number_format.excel_format(fmt, value) == excel
