"""The formula language: literals, references, operators and their precedence,
blanks, error values and how they propagate."""

import datetime

import pytest

from sheets.formulas import ErrorValue
from sheets.tests.formula_helpers import calc, shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1", 1),
        ("=1.5", 1.5),
        ("=.5", 0.5),
        ("=1e3", 1000),
        ("=2.50", 2.5),
        ('="hi"', "hi"),
        ('="say ""hi"""', 'say "hi"'),
        ('=""', ""),
        ("=TRUE", True),
        ("=false", False),
        ("=True()", True),
        ("=  1 +\n 2 ", 3),
    ],
)
def test_literals(text, expected):
    assert calc(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=-2^2", 4),  # as Excel: negation binds tighter than ^
        ("=0-2^2", -4),
        ("=2^3^2", 64),  # ^ is left-associative in spreadsheets
        ("=2+3*4", 14),
        ("=(2+3)*4", 20),
        ("=10-4-3", 3),
        ("=12/4/3", 1),
        ("=2*3^2", 18),
        ("=50%", 0.5),
        ("=2^200%", 2**2),  # % before ^
        ("=-50%", -0.5),
        ("=1+2&3", "33"),  # + before &
        ('="a"&1=1', False),  # & before =: "a1" = 1
        ("=1+1=2", True),
        ("=1<2=TRUE", True),
        ("=--3", 3),
        ("=+-3", -3),
        ("=2*-3", -6),
        ("=2^-1", 0.5),
        ("=3%%", 0.0003),
    ],
)
def test_operator_precedence(text, expected):
    assert calc(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=[Price] * [Qty]", 10),
        ("=[price]*[QTY]", 10),  # names match without case when only one column does
        ("=[a]]b] + 1", 8),
        ("=[Empty] + 1", 1),
        ('=[Empty] & "x"', "x"),
        ("=[Empty] = 0", True),
        ('=[Empty] = ""', True),
        ("=[Empty] = FALSE", True),
        ("=[Done] + 1", 2),
        ("=[Digits] * 2", 24),
        ("=[Total] / 4", 2.5),
        ("=[Due]", datetime.date(2024, 3, 15)),
        ("=[Due] + 1", datetime.date(2024, 3, 16)),
        ("=[Due] - 1", datetime.date(2024, 3, 14)),
        ("=[Due] - [Start]", 44),
        ("=[Due] > [Start]", True),
        ('=[Due] & ""', "2024-03-15"),
        ("=[Blank date] + 1", 1),
    ],
)
def test_references(text, expected):
    assert calc(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('="abc" = "ABC"', True),
        ('="a" < "b"', True),
        ('="B" > "a"', True),
        ('=1 < "a"', True),  # numbers sort before text
        ('="z" < TRUE', True),  # text before TRUE/FALSE
        ("=1 <> 1", False),
        ("=2 >= 2", True),
        ("=2 <= 1", False),
        ('="1" = 1', False),  # text is not a number in a comparison
    ],
)
def test_comparisons(text, expected):
    assert calc(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("=1/0", "#DIV/0!", "The right side of / is zero: division by zero"),
        ("=[Qty]/[Empty]", "#DIV/0!", "[Empty] is blank: division by zero"),
        ("=[Note] * 2", "#VALUE!", '[Note] is text, not a number: "abc"'),
        ('="x" + 1', "#VALUE!", 'The left side of + is text, not a number: "x"'),
        ("=-[Note]", "#VALUE!", '[Note] is text, not a number: "abc"'),
        ("=[Nope] + 1", "#NAME?", "There is no column [Nope]"),
        ("=Price * 2", "#NAME?", "Price is not a function or a column"),
        ("=NOSUCH(1)", "#NAME?", "There is no function NOSUCH"),
        ("=(-8)^(1/3)", "#NUM!", "A negative number to a fractional power is not a number"),
        ("=10^400", "#NUM!", "too large"),
        ("=[Oops] + 1", "#DIV/0!", "division by zero"),
        ("=#N/A", "#N/A", "#N/A"),
        ("=#ref!", "#REF!", "#REF!"),
        ("=#CYCLE!", "#CYCLE!", "#CYCLE!"),
    ],
)
def test_error_kinds_say_why(text, code, message):
    result = calc(text)
    assert isinstance(result, ErrorValue)
    assert result.code == code
    assert message in result.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1/0 + #N/A", "#DIV/0!"),  # the first error from the left wins
        ("=#N/A + 1/0", "#N/A"),
        ('=1/0 & "x"', "#DIV/0!"),
        ("=1/0 = 1", "#DIV/0!"),
        ("=-(1/0)", "#DIV/0!"),
        ("=(1/0)%", "#DIV/0!"),
        ("=ROUND(1/0, 1)", "#DIV/0!"),
        ("=[Nope] * [Note]", "#NAME?"),
        ("=[Oops] * 2 + 1", "#DIV/0!"),
        ("=IF([Oops], 1, 2)", "#DIV/0!"),
    ],
)
def test_errors_propagate(text, expected):
    assert shown(calc(text)) == expected


def test_a_deleted_column_is_ref_error():
    result = calc("=[Qty] * 2", missing=frozenset({"c-qty"}))
    assert result == ErrorValue("#REF!", "The column [Qty] was deleted")


def test_results_are_plain_values():
    assert calc("=4/2") == 2 and isinstance(calc("=4/2"), int)
    assert calc("=[Empty]") is None
    assert calc("=0.1+0.2") == pytest.approx(0.3)
