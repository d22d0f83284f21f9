"""A small sheet for the formula tests: its columns, their types, one row."""

import datetime

from sheets.formulas import ErrorValue, compile_formula, evaluate

COLUMNS = {
    "Price": "c-price",
    "Qty": "c-qty",
    "Name": "c-name",
    "Note": "c-note",
    "Digits": "c-digits",
    "Due": "c-due",
    "Start": "c-start",
    "Done": "c-done",
    "Empty": "c-empty",
    "Blank date": "c-blankdate",
    "Total": "c-total",
    "Oops": "c-oops",
    "a]b": "c-bracket",
}
TYPES = {
    "c-price": "number",
    "c-qty": "number",
    "c-name": "text",
    "c-note": "text",
    "c-digits": "text",
    "c-due": "date",
    "c-start": "date",
    "c-done": "checkbox",
    "c-empty": "number",
    "c-blankdate": "date",
    "c-total": "formula:number",
    "c-oops": "formula:number",
    "c-bracket": "number",
}
ROW = {
    "c-price": 2.5,
    "c-qty": 4,
    "c-name": "Ada Lovelace",
    "c-note": "abc",
    "c-digits": "12",
    "c-due": "2024-03-15",
    "c-start": "2024-01-31",
    "c-done": True,
    "c-total": 10,
    "c-oops": ErrorValue("#DIV/0!", "The right side of / is zero: division by zero"),
    "c-bracket": 7,
}
TODAY = datetime.date(2024, 3, 20)
NOW = datetime.datetime(2024, 3, 20, 14, 30)


def calc(text: str, row=None, **options):
    """What `text` gives for the sample row (or `row`)."""
    formula = compile_formula(text, COLUMNS, options.pop("limits", None))
    return evaluate(
        formula, ROW if row is None else row, types=TYPES, today=TODAY, now=NOW, **options
    )


def shown(value):
    """A result as a test table writes it: an error by its code."""
    return value.code if isinstance(value, ErrorValue) else value


def check(text: str, expected, **options) -> None:
    """`text` gives `expected` (an error by its code, a float to 12 digits)."""
    result = shown(calc(text, **options))
    if isinstance(expected, float):
        assert isinstance(result, int | float) and not isinstance(result, bool), (text, result)
        assert abs(result - expected) <= 1e-12 * max(1, abs(expected)), (text, result)
    else:
        assert result == expected, (text, result)
        assert type(result) is type(expected), (text, result)
