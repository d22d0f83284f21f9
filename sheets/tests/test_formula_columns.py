"""Formula columns through the services and the API: made, computed on every
op that touches their rows, renamed, deleted and undone, refused when wrong."""

import pytest

from sheets import services
from sheets.io import writer
from sheets.models import Column, Role
from sheets.services import OpError
from sheets.tests.formula_sheets import (
    add_formula,
    column,
    priced_sheet,
    snapshot,
    values_of,
)
from sheets.tests.helpers import (
    assert_json_error,
    insert_rows,
    new_id,
    post,
    row_ids,
    sheet_state,
    update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cols(sheet, user):
    return priced_sheet(sheet, user)


def undo(sheet, user):
    return services.sheet_undo(sheet=sheet, user=user, client_id="t", op_id=new_id())


def column_update(sheet, user, col, **fields):
    return services.column_update(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), column=col, **fields
    )


def test_a_formula_column_is_made_through_the_api_and_computes_every_row(auth_client, sheet, cols):
    col = new_id()
    spec = {"id": col, "name": "Total", "type": "formula", "formula": "=[Price] * [Qty]"}
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/columns/insert",
        {"op_id": new_id(), "columns": [{**spec, "after": cols["Qty"]}]},
    )
    assert response.status_code == 200, response.json()
    event = response.json()["event"]
    assert event["columns"][0]["formula"] == "=[Price] * [Qty]"
    assert event["columns"][0]["result_type"] == "number"
    # The values are fetched, not sent: one event for the whole column.
    assert event["recomputed"] == [col]
    assert values_of(sheet, col) == [6, 6.0, 0]
    shown = column(sheet, col)
    assert (shown["type"], shown["formula"], shown["result_type"]) == (
        "formula",
        "=[Price] * [Qty]",
        "number",
    )


def test_a_cell_edit_recomputes_the_formula_cells_of_its_row_in_the_event(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    first = row_ids(sheet)[0]
    answer = update(sheet, user, [{"row": first, "col": cols["Qty"], "value": 5}])
    assert {"row": first, "col": total, "value": 10} in answer["event"]["changes"]
    assert values_of(sheet, total)[0] == 10


def test_formula_columns_reading_formula_columns_compute_in_dependency_order(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    # Made after Total but placed before it: order on screen is not the order of computing.
    double = add_formula(sheet, user, "Double", "=[Total] * 2", after=None)["id"]
    assert values_of(sheet, double) == [12, 12.0, 0]
    first = row_ids(sheet)[0]
    answer = update(sheet, user, [{"row": first, "col": cols["Price"], "value": 4}])
    changes = answer["event"]["changes"]
    assert {"row": first, "col": total, "value": 12} in changes
    assert {"row": first, "col": double, "value": 24} in changes


def test_a_write_into_a_formula_cell_is_refused_per_cell_and_the_rest_applies(
    auth_client, sheet, user, cols
):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    first = row_ids(sheet)[0]
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/cells",
        {
            "op_id": new_id(),
            "changes": [
                {"row": first, "col": total, "value": 99},
                {"row": first, "col": cols["Item"], "value": "Tea"},
            ],
        },
    )
    answer = response.json()
    assert response.status_code == 200
    assert [e["error"] for e in answer["errors"]] == ["formula_cell"]
    assert answer["errors"][0]["col"] == total
    assert values_of(sheet, total)[0] == 6
    assert values_of(sheet, cols["Item"])[0] == "Tea"


def test_a_row_insert_and_a_paste_compute_the_new_rows(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    last = row_ids(sheet)[-1]
    row = new_id()
    answer = insert_rows(
        sheet, user, [{"id": row, "after": last, "values": {cols["Price"]: 3, cols["Qty"]: 3}}]
    )
    assert answer["event"]["rows"][0]["values"][total] == 9
    rows = row_ids(sheet)
    paste = [{"row": r, "col": cols["Qty"], "value": 1} for r in rows]
    answer = update(sheet, user, paste)
    computed = {c["row"]: c["value"] for c in answer["event"]["changes"] if c["col"] == total}
    assert computed == {rows[0]: 2, rows[1]: 1.5, rows[2]: 10, rows[3]: 3}


def test_undo_of_a_cell_edit_recomputes_the_row(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    first = row_ids(sheet)[0]
    update(sheet, user, [{"row": first, "col": cols["Qty"], "value": 5}])
    answer = undo(sheet, user)
    assert {"row": first, "col": total, "value": 6} in answer["event"]["changes"]
    assert values_of(sheet, total)[0] == 6


def test_an_import_computes_the_imported_rows(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    writer.sheet_import(
        sheet=sheet,
        user=user,
        mode="append",
        columns=[{"id": cols["Price"]}, {"id": cols["Qty"]}],
        rows=[(2, ["7", "2"])],
    )
    assert values_of(sheet, total) == [6, 6.0, 0, 14]


def test_an_import_never_goes_into_a_formula_column_nor_makes_one(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        writer.sheet_import(
            sheet=sheet, user=user, mode="append", columns=[{"id": total}], rows=[(2, ["1"])]
        )
    assert refused.value.error == "formula_column"
    with pytest.raises(OpError) as refused:
        writer.sheet_import(
            sheet=sheet,
            user=user,
            mode="append",
            columns=[{"name": "New", "type": "formula"}],
            rows=[(2, ["=1"])],
        )
    assert refused.value.error == "invalid_type"
    assert sheet_state(sheet) == before


def test_a_division_by_zero_is_stored_as_an_error_with_its_message(sheet, user, cols):
    ratio = add_formula(sheet, user, "Ratio", "=[Price] / [Qty]")["id"]
    error = values_of(sheet, ratio)[2]
    assert error == {"error": "#DIV/0!", "message": "[Qty] is blank: division by zero"}
    # A cell edit computes its row with the same message: it names the column.
    update(sheet, user, [{"row": row_ids(sheet)[0], "col": cols["Qty"], "value": ""}])
    assert values_of(sheet, ratio)[0]["message"] == "[Qty] is blank: division by zero"


def test_renaming_a_column_rewrites_the_formulas_that_read_it(auth_client, sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/columns/update",
        {"op_id": new_id(), "column": cols["Qty"], "name": "Quantity"},
    )
    event = response.json()["event"]
    assert event["formulas"] == {
        total: {"formula": "=[Price] * [Quantity]", "result_type": "number"}
    }
    assert column(sheet, total)["formula"] == "=[Price] * [Quantity]"
    assert values_of(sheet, total) == [6, 6.0, 0]


def test_deleting_a_read_column_gives_ref_errors_and_undo_brings_the_values_back(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    answer = services.columns_delete(
        sheet=sheet, user=user, client_id="t", op_id=new_id(), columns=[cols["Qty"]]
    )
    event = answer["event"]
    assert event["recomputed"] == [total]
    assert event["formulas"][total]["formula"] == "=[Price] * #REF!"
    assert [v["error"] for v in values_of(sheet, total)] == ["#REF!"] * 3
    answer = undo(sheet, user)
    assert answer["event"]["recomputed"] == [total]
    assert answer["event"]["formulas"][total]["formula"] == "=[Price] * [Qty]"
    assert values_of(sheet, total) == [6, 6.0, 0]
    assert values_of(sheet, cols["Qty"]) == [3, 4, None]


def test_a_cycle_is_refused_naming_its_columns_and_nothing_changes(sheet, user, cols):
    first = add_formula(sheet, user, "First", "=[Price] + 1")["id"]
    second = add_formula(sheet, user, "Second", "=[First] * 2")["id"]
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        column_update(sheet, user, first, formula="=[Second] + 1")
    assert refused.value.error == "formula_cycle"
    assert "[First]" in refused.value.message and "[Second]" in refused.value.message
    assert set(refused.value.details["columns"]) == {first, second}
    with pytest.raises(OpError) as refused:
        column_update(sheet, user, first, formula="=[First] + 1")
    assert refused.value.error == "formula_cycle"
    assert sheet_state(sheet) == before


def test_a_syntax_error_is_refused_with_its_position_and_what_was_expected(
    auth_client, sheet, user, cols
):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    before = sheet_state(sheet)
    response = post(
        auth_client,
        f"/api/sheets/{sheet.id}/columns/update",
        {"op_id": new_id(), "column": total, "formula": "=[Price] *"},
    )
    body = assert_json_error(response, 400, "formula_syntax")
    assert isinstance(body["position"], int) and body["position"] > 0
    assert body["expected"] and all(isinstance(e, str) for e in body["expected"])
    assert body["message"]
    assert sheet_state(sheet) == before


def test_a_formula_change_recomputes_the_column_in_one_event_and_undoes(sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    answer = column_update(sheet, user, total, formula="=[Price] + [Qty]")
    event = answer["event"]
    assert event["type"] == "column.updated"
    assert (event["recomputed"], event["values"]) == ([total], {})
    assert event["column"]["formula"] == "=[Price] + [Qty]"
    assert values_of(sheet, total) == [5, 5.5, 10]
    undo(sheet, user)
    assert column(sheet, total)["formula"] == "=[Price] * [Qty]"
    assert values_of(sheet, total) == [6, 6.0, 0]


def test_a_type_change_to_formula_and_back_keeps_the_typed_values_for_undo(sheet, user, cols):
    answer = column_update(sheet, user, cols["Item"], type="formula", formula="=[Price] * 2")
    assert answer["event"]["recomputed"] == [cols["Item"]]
    assert values_of(sheet, cols["Item"]) == [4, 3.0, 20]
    undo(sheet, user)
    assert values_of(sheet, cols["Item"]) == [None, None, None]
    # To a number column: the computed values stay, as plain numbers.
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    answer = column_update(sheet, user, total, type="number")
    assert answer["event"]["recomputed"] == [total]
    assert Column.objects.get(pk=total).formula == ""
    assert values_of(sheet, total) == [6, 6.0, 0]
    first = row_ids(sheet)[0]
    update(sheet, user, [{"row": first, "col": total, "value": 1}])
    assert values_of(sheet, total)[0] == 1


def test_bad_formula_inputs_get_clear_errors_and_change_nothing(auth_client, sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    before = sheet_state(sheet)
    url = f"/api/sheets/{sheet.id}/columns/update"
    cases = [
        ({"formula": 12}, "invalid_formula"),
        ({"formula": "Price * 2"}, "invalid_formula"),
        ({"formula": "=" + "1+" * 3000 + "1"}, "formula_too_long"),
        ({"summary": "median"}, "invalid_summary"),
        ({"summary": 3}, "invalid_summary"),
        ({"type": "number", "formula": "=1"}, "invalid_formula"),
    ]
    for fields, error in cases:
        response = post(auth_client, url, {"op_id": new_id(), "column": total, **fields})
        assert_json_error(response, 400, error)
    response = post(auth_client, url, {"op_id": new_id(), "column": cols["Item"], "formula": "=1"})
    assert_json_error(response, 400, "invalid_formula")
    assert sheet_state(sheet) == before


def test_one_bad_formula_among_new_columns_inserts_none(sheet, user, cols):
    before = sheet_state(sheet)
    with pytest.raises(OpError) as refused:
        services.columns_insert(
            sheet=sheet,
            user=user,
            client_id="t",
            op_id=new_id(),
            columns=[
                {"id": new_id(), "name": "Good", "type": "formula", "formula": "=[Price] * 2"},
                {"id": new_id(), "name": "Bad", "type": "formula", "formula": "=[Price] *"},
            ],
        )
    assert refused.value.error == "formula_syntax"
    assert sheet_state(sheet) == before


def test_a_viewer_cannot_make_or_change_a_formula(client_for, make_user, sheet, user, cols):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    make_user("vera")
    services.sheet_share(sheet=sheet, user=user, who="vera", role=Role.VIEWER)
    viewer = client_for(Column.objects.get(pk=total).sheet.shares.get().user)
    before = sheet_state(sheet)
    response = post(
        viewer,
        f"/api/sheets/{sheet.id}/columns/update",
        {"op_id": new_id(), "column": total, "formula": "=1", "summary": "sum"},
    )
    assert_json_error(response, 403, "forbidden")
    assert sheet_state(sheet) == before


def test_the_date_refresh_is_one_op_per_sheet_once_a_day(sheet, user, cols):
    today = add_formula(sheet, user, "Today", "=TODAY()")["id"]
    first = services.refresh_volatile_formulas()
    assert first == {"sheets": 1, "refreshed": 1, "failed": 0}
    event = snapshot(sheet)
    assert event["version"] > 0
    change = sheet.changes.order_by("-seq").first()
    assert change.payload["type"] == "columns.recomputed"
    assert change.payload["columns"] == [today]
    assert services.refresh_volatile_formulas() == {"sheets": 1, "refreshed": 0, "failed": 0}


def test_exports_write_the_computed_values_numbers_as_numbers_errors_as_codes(
    auth_client, sheet, user, cols
):
    import csv
    import io

    import openpyxl

    add_formula(sheet, user, "Ratio", "=[Price] / [Qty]")
    add_formula(sheet, user, "Total", "=[Price] * [Qty]")
    data = b"".join(auth_client.get(f"/sheets/{sheet.id}/export.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    # Each was inserted first, so the newest comes first.
    assert rows[0][:2] == ["Total", "Ratio"]
    assert rows[1][:2] == ["6", str(2 / 3)]
    assert rows[3][:2] == ["0", "#DIV/0!"]
    data = b"".join(auth_client.get(f"/sheets/{sheet.id}/export.xlsx").streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert cells[1][:2] == (6, 2 / 3)
    assert cells[3][:2] == (0, "#DIV/0!")


def test_an_xlsx_import_takes_the_values_excel_cached_for_its_formulas(tmp_path):
    import openpyxl

    from sheets.io.reading import open_table

    path = tmp_path / "cached.xlsx"
    book = openpyxl.Workbook()
    page = book.active
    page.append(["Price", "Total"])
    page.append([2, "=A2*3"])
    book.save(path)
    # What Excel saves: the formula and, beside it, the value it computed last.
    _cache_value(path, "B2", "6")
    rows = list(open_table(path, filename="cached.xlsx").records())
    assert rows[1] == ["2", "6"]


def _cache_value(path, ref: str, value: str) -> None:
    """Write into the workbook the value a spreadsheet app caches beside a formula."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode()
    cell = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?(</c>)')
    parts[name] = cell.sub(lambda m: m[1] + m[2] + f"<v>{value}</v>" + m[4], xml).encode()
    assert f"<v>{value}</v>" in parts[name].decode()
    with zipfile.ZipFile(path, "w") as book:
        for part, data in parts.items():
            book.writestr(part, data)


def test_a_tab_fetches_the_recomputed_columns_values_at_one_version(
    auth_client, client, sheet, user, cols
):
    total = add_formula(sheet, user, "Total", "=[Price] * [Qty]")["id"]
    response = auth_client.get(f"/api/sheets/{sheet.id}/values?columns={total},{cols['Qty']}")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == snapshot(sheet)["version"]
    assert body["columns"] == [total, cols["Qty"]]
    assert body["rows"] == [
        [r, v, q] for r, v, q in zip(row_ids(sheet), [6, 6.0, 0], [3, 4, None], strict=True)
    ]
    assert_json_error(auth_client.get(f"/api/sheets/{sheet.id}/values?columns=x"), 400)
    assert_json_error(auth_client.get(f"/api/sheets/{sheet.id}/values"), 400, "invalid_columns")
    assert client.get(f"/api/sheets/{sheet.id}/values?columns={total}").status_code == 401
