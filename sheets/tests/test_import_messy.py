"""Messy files that import as a person would expect: a decimal-comma file
whose numbers are padded with spaces still gets number columns, and blank
lines are not rows."""

import pytest

from sheets.tests.importing import (  # noqa: F401 (fixtures)
    columns_of,
    grid,
    import_new,
    inline_imports,
    last_job,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

# As people save CSV by hand or from a German spreadsheet app: a BOM, CR LF,
# semicolons, decimal commas, spaces around values, blank lines anywhere.
MESSY = (
    "\ufeffArtikel ; Betrag ;Menge;Datum;Bezahlt\r\n"
    "\r\n"
    "Miete; 1.234,56 ; 3 ; 2027-01-31 ;WAHR\r\n"
    ";;;;\r\n"
    "Strom;-0,25;1.000;;\r\n"
    "\r\n"
    "Gas ;12; 0,5 ;2027-02-01; \r\n"
    "\r\n"
).encode()


def test_a_messy_decimal_comma_file_gets_number_columns(auth_client, user):
    job = import_new(auth_client, user, MESSY, name="Ausgaben.csv")
    preview = job.preview
    assert (preview["delimiter_name"], preview["decimal_mark_name"]) == ("semicolon", "comma")
    assert (
        "Numbers are written with a decimal comma (1.234,5): read as numbers."
        in (preview["warnings"])
    )
    assert columns_of(job.sheet) == [
        ("Artikel", "text"),
        ("Betrag", "number"),
        ("Menge", "number"),
        ("Datum", "date"),
        ("Bezahlt", "text"),
    ]
    assert grid(job.sheet) == [
        ["Miete", 1234.56, 3, "2027-01-31", "WAHR"],
        ["Strom", -0.25, 1000, None, None],
        ["Gas ", 12, 0.5, "2027-02-01", " "],
    ]


def test_a_decimal_comma_file_without_numbers_does_not_say_it_read_numbers(auth_client, user):
    job = import_new(auth_client, user, b"Name;Value\r\nA;1,5\r\nB;2,5\r\nC;n/a\r\n")
    assert job.preview["decimal_mark_name"] == "comma"
    assert columns_of(job.sheet) == [("Name", "text"), ("Value", "text")]
    assert not any("read as numbers" in w for w in job.preview["warnings"])
    assert (
        "Numbers would be read with a decimal comma (1.234,5): none found."
        in (job.preview["warnings"])
    )


@pytest.mark.parametrize(
    "data",
    [
        b"a,b\n\n1,x\n\n\n2,y\n,\n",
        b"a,b\r\n\r\n1,x\r\n\r\n\r\n2,y\r\n,\r\n",
    ],
)
def test_blank_lines_are_not_rows(auth_client, user, data):
    job = import_new(auth_client, user, data)
    assert grid(job.sheet) == [[1, "x"], [2, "y"]]
    assert job.preview["row_count"] == 2
    assert "4 blank row(s): not rows of the sheet, dropped." in job.preview["warnings"]


def test_row_numbers_stay_those_of_the_file_around_blank_lines(auth_client, user, sheet):
    from sheets.tests.importing import typed_columns

    typed_columns(sheet, user, {"Item": "text", "Amount": "number"})
    upload(auth_client, b"Item,Amount\n\nA,1\n\nB,x\n", sheet=sheet)
    job = last_job(user)
    assert job.preview["errors"] == [
        {"row": 5, "column": "Amount", "message": "“x” is not a number."}
    ]


def test_spaces_may_group_thousands_in_a_decimal_comma_file(auth_client, user):
    """As French spreadsheet apps write them: a space or a no-break space
    between groups of three digits, every number padded."""
    data = "Produit;Prix;Code\r\nA; 1 234,56 ;12 34\r\nB;12\u00a0345\u202f678,9;5\r\nC;0,5;6\r\n"
    job = import_new(auth_client, user, data.encode())
    assert job.preview["decimal_mark_name"] == "comma"
    assert columns_of(job.sheet) == [("Produit", "text"), ("Prix", "number"), ("Code", "text")]
    assert [row[1] for row in grid(job.sheet)] == [1234.56, 12345678.9, 0.5]
