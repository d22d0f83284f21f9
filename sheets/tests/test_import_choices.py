"""The choices of an import's preview: rows with problems skipped (and
downloadable as CSV) or imported with their bad cells empty, or the import
cancelled; headers the sheet does not have added as new columns of an inferred
(or chosen) type. Every bad or stale choice changes nothing."""

from pathlib import Path

import pytest

from sheets import selectors
from sheets.io.preview_cache import cache_path
from sheets.io.skipped import skipped_path
from sheets.models import Change, ImportJob, Sheet
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    HX,
    columns_of,
    confirm,
    grid,
    inline_imports,
    last_job,
    read_csv,
    remove_rows,
    state,
    typed_columns,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

TYPES = {"Item": "text", "Amount": "number", "Due": "date", "Paid": "checkbox"}
# Rows 3 and 5 have bad values; row 5 also a formula a spreadsheet app would run.
BAD = (
    b"Item,Amount,Due,Paid\n"
    b"Rent,900,2027-01-31,true\n"
    b"Food,abc,2027-02-28,false\n"
    b"Gas,12.5,,\n"
    b"=HYPERLINK(1),7,31/01/2027,maybe\n"
)


@pytest.fixture
def typed(sheet, user):
    """The default sheet's columns typed as TYPES, and no rows."""
    typed_columns(sheet, user, TYPES)
    remove_rows(sheet, user)
    return sheet


def preview(client, user, data: bytes, sheet) -> ImportJob:
    upload(client, data, sheet=sheet)
    job = last_job(user)
    assert job.status == "ready", job.error
    return job


# --- Rows with problems


def test_the_preview_lists_the_rows_with_problems_and_offers_the_choice(auth_client, user, typed):
    body = upload(auth_client, BAD, sheet=typed).content.decode()
    job = last_job(user)
    assert (job.preview["bad_row_count"], job.preview["error_count"]) == (2, 3)
    assert "2 rows of the file have problems (3 in all)." in body
    assert 'type="radio" name="bad_rows" value="skip" required' in body
    assert 'type="radio" name="bad_rows" value="empty" required' in body
    assert f'href="/imports/{job.id}/skipped.csv"' in body
    assert 'name="action" value="cancel" formnovalidate>Cancel</button>' in body


def test_skip_imports_the_good_rows_and_the_skipped_ones_download_as_csv(
    auth_client, user, typed, client_for, other_user
):
    job = preview(auth_client, user, BAD, typed)
    changes = Change.objects.filter(sheet=typed).count()
    response = confirm(auth_client, job, "append", bad_rows="skip")
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert grid(typed) == [
        ["Rent", 900, "2027-01-31", True, None],
        ["Gas", 12.5, None, None, None],
    ]
    assert (job.result["rows"], job.result["skipped"]) == (2, 2)
    assert job.result["from_cache"] is True
    assert Change.objects.filter(sheet=typed).count() == changes + 1  # one op
    body = response.content.decode()
    assert "Skipped 2 rows with problems" in body
    assert f'href="/imports/{job.id}/skipped.csv"' in body

    download = auth_client.get(f"/imports/{job.id}/skipped.csv")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    assert read_csv(b"".join(download.streaming_content)) == [
        ["Row", "Item", "Amount", "Due", "Paid", "Reason"],
        ["3", "Food", "abc", "2027-02-28", "false", "Amount: “abc” is not a number."],
        [
            "5",
            "'=HYPERLINK(1)",  # the export's formula escape
            "7",
            "31/01/2027",
            "maybe",
            "Due: “31/01/2027” is not a date (YYYY-MM-DD). Paid: “maybe” is not true or false.",
        ],
    ]
    # The upload and its row cache are gone; the download stays until the sweep.
    assert not Path(job.file_path).exists()
    assert not cache_path(job.file_path).exists()
    assert skipped_path(job.file_path).exists()
    # Another user's job is not found.
    assert client_for(other_user).get(f"/imports/{job.id}/skipped.csv").status_code == 404


def test_empty_imports_every_row_with_the_bad_cells_empty(auth_client, user, typed):
    job = preview(auth_client, user, BAD, typed)
    response = confirm(auth_client, job, "append", bad_rows="empty")
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert grid(typed) == [
        ["Rent", 900, "2027-01-31", True, None],
        ["Food", None, "2027-02-28", False, None],
        ["Gas", 12.5, None, None, None],
        ["=HYPERLINK(1)", 7, None, None, None],
    ]
    assert (job.result["rows"], job.result["skipped"]) == (4, 0)
    assert "Imported 4 rows" in response.content.decode()
    # Nothing was skipped: there is nothing to download.
    assert auth_client.get(f"/imports/{job.id}/skipped.csv").status_code == 404


@pytest.mark.parametrize("choice", ["skip", "empty"])
def test_the_choice_holds_when_the_file_is_read_again(auth_client, user, typed, choice):
    """The preview's row cache lost: the file is read and cleaned again, and
    the choice applies the same way."""
    job = preview(auth_client, user, BAD, typed)
    cache_path(job.file_path).unlink()
    confirm(auth_client, job, "replace", bad_rows=choice)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["from_cache"] is False
    assert len(grid(typed)) == (2 if choice == "skip" else 4)
    assert job.result["skipped"] == (2 if choice == "skip" else 0)
    assert job.result["emptied"] == (0 if choice == "skip" else 3)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({}, "2 rows of the file have problems: choose whether to skip them"),
        ({"bad_rows": "all"}, "choose whether to skip them"),
        ({"bad_rows": "refuse"}, "choose whether to skip them"),
        ({"bad_rows": "skip", "preview": "0" * 32}, "The file was read again"),
    ],
)
def test_a_missing_forged_or_stale_choice_changes_nothing(auth_client, user, typed, form, message):
    job = preview(auth_client, user, BAD, typed)
    before = state(typed)
    response = confirm(auth_client, job, "append", **form)
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == "ready"
    assert state(typed) == before


def test_a_form_from_an_earlier_reading_is_stale(auth_client, user, typed):
    job = preview(auth_client, user, BAD, typed)
    old = job.preview["id"]
    auth_client.post(f"/imports/{job.id}/reread/", {"delimiter": "comma"}, **HX)
    job.refresh_from_db()
    assert job.status == "ready" and job.preview["id"] != old
    before = state(typed)
    body = confirm(auth_client, job, "append", bad_rows="skip", preview=old).content.decode()
    assert "The file was read again since this form was shown" in body
    assert state(typed) == before


def test_cancel_changes_nothing_and_removes_the_files(auth_client, user, typed):
    job = preview(auth_client, user, BAD, typed)
    before = state(typed)
    body = confirm(auth_client, job, "append", action="cancel").content.decode()
    assert "Import cancelled. Nothing was changed." in body
    job.refresh_from_db()
    assert job.status == "failed" and job.result == {"cancelled": True}
    assert state(typed) == before
    assert not Path(job.file_path).exists()
    assert not cache_path(job.file_path).exists()
    assert not skipped_path(job.file_path).exists()
    # A confirm after the cancel (another tab) does nothing.
    confirm(auth_client, job, "append", bad_rows="skip")
    job.refresh_from_db()
    assert job.status == "failed"
    assert state(typed) == before


def test_a_clean_file_asks_no_choice(auth_client, user, typed):
    body = upload(auth_client, b"Item,Amount\nRent,1\n", sheet=typed).content.decode()
    assert 'name="bad_rows"' not in body
    assert "skipped.csv" not in body
    job = last_job(user)
    confirm(auth_client, job, "append", bad_rows="empty")  # ignored: nothing to choose
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert grid(typed) == [["Rent", 1, None, None, None]]


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("choice", ["skip", "empty"])
def test_a_new_sheet_and_a_row_with_values_past_the_header(auth_client, user, choice, cached):
    upload(auth_client, b"a,b\n1,2\n3,4,5\n6,7\n")
    job = last_job(user)
    assert job.preview["bad_row_count"] == 1
    if not cached:
        cache_path(job.file_path).unlink()
    confirm(auth_client, job, bad_rows=choice)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result["from_cache"] is cached
    if choice == "skip":
        assert grid(job.sheet) == [[1, 2], [6, 7]]
        assert job.result["skipped"] == 1
    else:
        assert grid(job.sheet) == [[1, 2], [3, 4], [6, 7]]  # without the value past the header
    assert columns_of(job.sheet) == [("a", "number"), ("b", "number")]


# --- Headers the sheet does not have


NEW_HEADERS = b"Item,Weight,Colour,Shipped\nRent,1,red,2027-01-02\nFood,2.5,blue,\n"


def test_new_headers_are_offered_with_their_inferred_type(auth_client, user, typed):
    body = upload(auth_client, NEW_HEADERS, sheet=typed).content.decode()
    job = last_job(user)
    suggested = {m["header"]: m.get("suggested") for m in job.preview["mapping"]}
    assert suggested == {"Item": None, "Weight": "number", "Colour": "text", "Shipped": "date"}
    assert 'type="checkbox" name="add" value="1"' in body
    assert '<label for="new-type-1">Type of “Weight”</label>' in body
    assert '<option value="number" selected>Number (guessed)</option>' in body


def test_checked_headers_become_columns_in_the_same_op(auth_client, user, typed, sent):
    job = preview(auth_client, user, NEW_HEADERS, typed)
    before = Sheet.objects.get(pk=typed.pk).version
    changes = Change.objects.filter(sheet=typed).count()
    # Weight as inferred (number), Shipped chosen as text; Colour not added.
    confirm(auth_client, job, "append", add=["1", "3"], **{"type-3": "text"})
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert columns_of(typed)[-2:] == [("Weight", "number"), ("Shipped", "text")]
    assert grid(typed) == [
        ["Rent", None, None, None, None, 1, "2027-01-02"],
        ["Food", None, None, None, None, 2.5, None],
    ]
    assert job.result["added"] == ["Weight", "Shipped"]
    fresh = Sheet.objects.get(pk=typed.pk)
    assert fresh.version == before + 1
    assert Change.objects.filter(sheet=typed).count() == changes + 1
    # The history tells which columns the import added.
    assert selectors.recent_changes(sheet=typed)[0]["what"] == (
        "imported 2 rows (appended), adding 2 columns: Weight, Shipped"
    )


def test_a_chosen_type_the_values_do_not_fit_refuses_the_import(auth_client, user, typed):
    job = preview(auth_client, user, NEW_HEADERS, typed)
    before = state(typed)
    confirm(auth_client, job, "append", add=["2"], **{"type-2": "number"})  # Colour
    job.refresh_from_db()
    assert job.status == "failed"
    assert "do not fit their column" in job.error
    assert state(typed) == before  # no rows, no new column


def test_with_skip_a_chosen_type_skips_the_rows_it_does_not_fit(auth_client, user, typed):
    data = NEW_HEADERS + b"Gas,x,green,\nOil,3,black,,extra\n"
    job = preview(auth_client, user, data, typed)
    assert job.preview["bad_row_count"] == 1  # the row with a value past the header
    assert job.preview["mapping"][1]["suggested"] == "text"  # Weight holds an "x"
    confirm(auth_client, job, "append", bad_rows="skip", add=["1"], **{"type-1": "number"})
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert [row[0] for row in grid(typed)] == ["Rent", "Food"]
    assert columns_of(typed)[-1] == ("Weight", "number")


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"add": ["0"]}, "Only headers the sheet does not have can be added."),
        ({"add": ["9"]}, "Only headers the sheet does not have can be added."),
        ({"add": ["x"]}, "Only headers the sheet does not have can be added."),
        ({"add": ["1"], "type-1": "money"}, "Choose the type of the new column “Weight”"),
    ],
)
def test_a_forged_new_column_changes_nothing(auth_client, user, typed, form, message):
    job = preview(auth_client, user, NEW_HEADERS, typed)
    before = state(typed)
    assert message in confirm(auth_client, job, "append", **form).content.decode()
    job.refresh_from_db()
    assert job.status == "ready"
    assert state(typed) == before


def test_a_file_whose_headers_match_no_column_can_add_them_all(auth_client, user, typed):
    body = upload(auth_client, b"Colour,Size\nred,1\nblue,2\n", sheet=typed).content.decode()
    job = last_job(user)
    assert job.status == "ready"
    assert "is the name of a column of this sheet: add them as new columns" in body
    before = state(typed)
    response = confirm(auth_client, job, "append")
    assert "Choose at least one header to add as a new column." in response.content.decode()
    assert state(typed) == before
    confirm(auth_client, job, "append", add=["0", "1"])
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert columns_of(typed)[-2:] == [("Colour", "text"), ("Size", "number")]
    assert [row[-2:] for row in grid(typed)] == [["red", 1], ["blue", 2]]


def test_new_columns_past_the_column_limit_are_refused_at_confirm(
    auth_client, user, typed, settings
):
    settings.MAX_COLUMNS_PER_SHEET = typed.columns.count() + 1
    job = preview(auth_client, user, NEW_HEADERS, typed)
    before = state(typed)
    body = confirm(auth_client, job, "append", add=["1", "2"]).content.decode()
    assert "A sheet holds at most" in body and "add fewer new columns" in body
    job.refresh_from_db()
    assert job.status == "ready"
    assert state(typed) == before
    confirm(auth_client, job, "append", add=["1"])
    job.refresh_from_db()
    assert job.status == "done", job.error
