"""Cell values per column type: what is accepted, how it is stored, what is refused."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets import values
from sheets.values import EMPTY, InvalidValue


def _refused(column_type: str, value) -> str:
    with pytest.raises(InvalidValue) as info:
        values.clean(column_type, value)
    assert info.value.message
    return info.value.code


# --- text


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("hello", "hello"),
        ("  spaced  ", "  spaced  "),
        ("=SUM(A1:A3)", "=SUM(A1:A3)"),
        ("<b>bold</b>", "<b>bold</b>"),
        (12, "12"),
        (1.5, "1.5"),
        (3.0, "3"),
        (True, "true"),
        (False, "false"),
    ],
)
def test_text_cell_stores_scalars_as_text(raw, stored):
    assert values.clean("text", raw) == stored


@pytest.mark.parametrize("raw", ["", None])
def test_empty_text_clears_the_cell(raw):
    assert values.clean("text", raw) is EMPTY


def test_text_cell_refuses_nul():
    assert _refused("text", "a\x00b") == "invalid_text"


def test_text_cell_refuses_too_long_text(settings):
    settings.MAX_CELL_CHARS = 10
    assert values.clean("text", "x" * 10) == "x" * 10
    assert _refused("text", "x" * 11) == "too_long"


@pytest.mark.parametrize("raw", [["a"], {"a": 1}])
def test_text_cell_refuses_non_scalars(raw):
    assert _refused("text", raw) == "invalid_type"


# --- number


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (12, 12),
        (-3, -3),
        (1.25, 1.25),
        (4.0, 4),
        ("12", 12),
        (" 7 ", 7),
        ("+5", 5),
        ("-1.5e3", -1500),
        ("1.5E-1", 0.15),
        (".5", 0.5),
        ("3.", 3),
        (0, 0),
    ],
)
def test_number_cell_accepts_numbers_and_decimal_strings(raw, stored):
    result = values.clean("number", raw)
    assert result == stored
    assert type(result) is type(stored)


def test_number_string_is_committed_as_a_json_number():
    assert values.clean("number", "12") == 12
    assert isinstance(values.clean("number", "12"), int)


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_not_numbers(raw):
    assert _refused("number", raw) == "not_a_number"


@pytest.mark.parametrize(
    "raw", [math.nan, math.inf, -math.inf, "nan", "NaN", "inf", "Infinity", "1e400"]
)
def test_number_cell_refuses_nan_and_infinity(raw):
    assert _refused("number", raw) == "not_a_number"


@pytest.mark.parametrize("raw", ["abc", "12abc", "1,5", "0x10", "1e", "--1", "1 2", "=1+1"])
def test_number_cell_refuses_non_numbers(raw):
    assert _refused("number", raw) == "not_a_number"


@pytest.mark.parametrize("raw", [2**53, -(2**53), str(2**60)])
def test_number_cell_refuses_integers_the_browser_would_round(raw):
    assert _refused("number", raw) == "out_of_range"


def test_number_cell_refuses_a_huge_digit_string_without_crashing():
    # Python refuses int() on more than 4300 digits with a plain ValueError.
    assert _refused("number", "9" * 5000) in ("out_of_range", "not_a_number")


@pytest.mark.parametrize("raw", [[1], {"n": 1}])
def test_number_cell_refuses_non_scalars(raw):
    assert _refused("number", raw) == "not_a_number"


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_empty_number_clears_the_cell(raw):
    assert values.clean("number", raw) is EMPTY


@given(st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1))
def test_any_safe_integer_is_stored_as_itself(number):
    assert values.clean("number", number) == number
    assert values.clean("number", str(number)) == number


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_is_stored_with_its_value(number):
    stored = values.clean("number", number)
    assert stored == number
    assert values.clean("number", repr(number)) == number


# --- date


@pytest.mark.parametrize(
    ("raw", "stored"), [("2024-02-29", "2024-02-29"), (" 2027-12-31 ", "2027-12-31")]
)
def test_date_cell_accepts_iso_dates(raw, stored):
    assert values.clean("date", raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["2023-02-29", "2024-13-01", "2024-1-5", "24-01-05", "05/01/2024", "2024-01-05T10:00", "today"],
)
def test_date_cell_refuses_other_text(raw):
    assert _refused("date", raw) == "not_a_date"


@pytest.mark.parametrize("raw", [20240101, True, 1.5])
def test_date_cell_refuses_non_strings(raw):
    assert _refused("date", raw) == "not_a_date"


# --- checkbox


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        ("yes", True),
        ("1", True),
        ("false", False),
        ("no", False),
        ("0", False),
    ],
)
def test_checkbox_cell_accepts_booleans_and_words(raw, stored):
    assert values.clean("checkbox", raw) is stored


@pytest.mark.parametrize("raw", ["maybe", "2", 2, 1.5, [True]])
def test_checkbox_cell_refuses_other_values(raw):
    assert _refused("checkbox", raw) == "not_a_checkbox"


# --- conversion between types (column type change)


@pytest.mark.parametrize(
    ("value", "from_type", "to_type", "result"),
    [
        ("12", "text", "number", 12),
        ("yes", "text", "checkbox", True),
        ("2024-05-01", "text", "date", "2024-05-01"),
        (12, "number", "text", "12"),
        (1.5, "number", "text", "1.5"),
        ("2024-05-01", "date", "text", "2024-05-01"),
        (True, "checkbox", "text", "true"),
        (True, "checkbox", "number", 1),
        (False, "checkbox", "number", 0),
        (1, "number", "checkbox", True),
        (0, "number", "checkbox", False),
    ],
)
def test_values_convert_between_types(value, from_type, to_type, result):
    converted = values.convert(value, from_type, to_type)
    assert converted == result
    assert type(converted) is type(result)


@pytest.mark.parametrize(
    ("value", "from_type", "to_type"),
    [
        ("abc", "text", "number"),
        ("abc", "text", "date"),
        (2, "number", "checkbox"),
        (12, "number", "date"),
        ("2024-05-01", "date", "number"),
        (True, "checkbox", "date"),
    ],
)
def test_values_that_do_not_convert_are_refused(value, from_type, to_type):
    with pytest.raises(InvalidValue):
        values.convert(value, from_type, to_type)
