"""Files whose numbers are written with a decimal comma (1.234,5), as a
spreadsheet app set to most European languages saves CSV: with semicolons
between values. The decimal mark is sniffed, shown and can be chosen."""

import pytest

from sheets import values
from sheets.io.sniffing import sniff_decimal_mark
from sheets.models import ImportJob
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    HX,
    columns_of,
    confirm,
    grid,
    import_new,
    inline_imports,
    last_job,
    state,
    typed_columns,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

# Saved by a spreadsheet app in German: Windows-1252, semicolons, decimal commas.
EUROPEAN = (
    "Artikel;Betrag;Menge;Code;Version\r\n"
    "Miete;1.234,56;3;007;1.2.3\r\n"
    "Strom;-0,25;1.000;010;2.0\r\n"
    "Größe;12;0,5;042;\r\n"
).encode("cp1252")


def test_a_decimal_comma_file_imports_its_numbers_as_numbers(auth_client, user):
    job = import_new(auth_client, user, EUROPEAN, name="Ausgaben.csv")
    preview = job.preview
    assert (preview["delimiter_name"], preview["decimal_mark_name"]) == ("semicolon", "comma")
    assert preview["decimal_sniffed"] is True
    assert (
        "Numbers are written with a decimal comma (1.234,5): read as numbers."
        in (preview["warnings"])
    )
    assert preview["rows"][0] == ["Miete", "1234.56", "3", "007", "1.2.3"]
    assert columns_of(job.sheet) == [
        ("Artikel", "text"),
        ("Betrag", "number"),
        ("Menge", "number"),
        ("Code", "text"),  # leading zeros: still a code
        ("Version", "text"),
    ]
    assert grid(job.sheet) == [
        ["Miete", 1234.56, 3, "007", "1.2.3"],
        ["Strom", -0.25, 1000, "010", "2.0"],  # 1.000 is a thousand here
        ["Größe", 12, 0.5, "042", None],
    ]


def test_the_preview_page_says_which_decimal_mark_it_read(auth_client, user):
    body = upload(auth_client, EUROPEAN).content.decode()
    assert "<dt>Decimal mark</dt><dd>comma (detected)</dd>" in body
    assert '<label for="reread-decimal-mark">Decimal mark</label>' in body


@pytest.mark.parametrize(
    ("data", "cells"),
    [
        # Semicolons but decimal points: as before.
        (b"Item;Amount\nA;1.5\nB;1.234\n", [["A", 1.5], ["B", 1.234]]),
        # Commas between values: a quoted "1,5" is not read as a number.
        (b'Item,Amount\nA,"1,5"\nB,"2,25"\n', [["A", "1,5"], ["B", "2,25"]]),
    ],
)
def test_files_with_decimal_points_are_read_as_before(auth_client, user, data, cells):
    job = import_new(auth_client, user, data)
    assert job.preview["decimal_mark_name"] == "point"
    assert not any("decimal comma" in w for w in job.preview["warnings"])
    assert grid(job.sheet) == cells


def test_the_decimal_mark_can_be_chosen(auth_client, user):
    upload(auth_client, EUROPEAN)
    job = last_job(user)
    response = auth_client.post(f"/imports/{job.id}/reread/", {"decimal_mark": "point"}, **HX)
    assert response.status_code == 200
    job.refresh_from_db()
    assert (job.preview["decimal_mark_name"], job.preview["decimal_sniffed"]) == ("point", False)
    # With a decimal point, 1.234,56 and 0,5 are no numbers: those columns are text.
    assert [m["type"] for m in job.preview["mapping"]][:3] == ["text", "text", "text"]
    assert confirm(auth_client, job).status_code == 200
    job.refresh_from_db()
    assert grid(job.sheet)[0][:3] == ["Miete", "1.234,56", "3"]


def test_appending_to_a_number_column_reads_the_files_decimal_mark(auth_client, user, sheet):
    typed_columns(sheet, user, {"Item": "text", "Amount": "number"})
    data = b"Item;Amount\nTea;3,5\nCoffee;1.000,25\n"
    upload(auth_client, data, sheet=sheet)
    job = last_job(user)
    assert job.preview["error_count"] == 0
    confirm(auth_client, job, "append")
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert grid(sheet)[-2:] == [["Tea", 3.5] + [None] * 3, ["Coffee", 1000.25] + [None] * 3]


def test_a_decimal_point_in_a_decimal_comma_file_is_a_row_error(auth_client, user, sheet):
    typed_columns(sheet, user, {"Item": "text", "Amount": "number"})
    before = state(sheet)
    upload(auth_client, b"Item;Amount\nTea;3,5\nMilk;1,25\nCoffee;2.5\n", sheet=sheet)
    job = last_job(user)
    assert job.preview["decimal_mark_name"] == "comma"
    assert job.preview["errors"] == [
        {
            "row": 4,
            "column": "Amount",
            "message": "“2.5” is not a number written with a decimal comma (like 1.234,5).",
        }
    ]
    assert "choose whether to skip it" in confirm(auth_client, job, "append").content.decode()
    assert state(sheet) == before


@pytest.mark.parametrize("choice", ["Komma", "1", ","])
def test_an_unknown_decimal_mark_is_refused(auth_client, user, choice):
    response = upload(auth_client, EUROPEAN, decimal_mark=choice)
    assert "Choose point or comma as the decimal mark." in response.content.decode()
    assert not ImportJob.objects.filter(user=user).exists()
    upload(auth_client, EUROPEAN)
    job = last_job(user)
    response = auth_client.post(f"/imports/{job.id}/reread/", {"decimal_mark": choice}, **HX)
    assert "Choose point or comma as the decimal mark." in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.preview["decimal_mark_name"]) == ("ready", "comma")


@pytest.mark.parametrize(
    ("text", "number"),
    [("1,5", 1.5), ("-0,25", -0.25), ("1.234", 1234), ("1.234.567,8", 1234567.8), ("12", 12)]
    + [(" 1 234,5 ", 1234.5), ("1\u00a0234\u00a0567,8", 1234567.8)],
)
def test_clean_decimal_comma_number(text, number):
    assert values.clean_decimal_comma_number(text) == number


@pytest.mark.parametrize("text", ["1.5", "1,2,3", "1.23,4", ",5", "1e5", "abc"])
def test_clean_decimal_comma_number_refuses_other_forms(text):
    with pytest.raises(values.InvalidValue):
        values.clean_decimal_comma_number(text)


@pytest.mark.parametrize(
    ("records", "mark"),
    [
        ([["a", "1,5"]], ","),
        ([["a", "1.234,5"], ["b", "7"]], ","),
        ([["a", "1,5"], ["b", "2.5"]], "."),  # as many of each: keep the point
        ([["1,5", "2.0"], ["2,5", "3.0.1"]], ","),  # more with a comma
        ([["a", "1.234"]], "."),  # either mark: keep the point
        ([["1.2.3", "23.11.2026"]], "."),
        ([], "."),
    ],
)
def test_sniff_decimal_mark(records, mark):
    assert sniff_decimal_mark(records) == mark
