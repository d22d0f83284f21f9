"""SUM to COUNTA over their arguments, rounding and arithmetic functions:
ordinary, blank, wrong-type and error arguments, as a spreadsheet answers.

The sample row (formula_helpers): [Price] 2.5, [Qty] 4, [Empty] blank,
[Note] "abc", [Digits] "12" (a text cell), [Done] TRUE, [Due] 2024-03-15,
[Start] 2024-01-31, [Oops] #DIV/0!."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sheets.formulas.functions.mathematics import round_
from sheets.formulas.values import to_decimal
from sheets.tests.formula_helpers import check

CASES = [
    # SUM: a cell counts only when it holds a number; a typed argument may be TRUE or "3"
    ("=SUM(1, 2, 3)", 6),
    ("=SUM([Price], [Qty])", 6.5),
    ("=SUM([Empty], 1)", 1),
    ("=SUM([Note], 1)", 1),
    ("=SUM(([Note]), 1)", 1),  # still a cell inside parentheses
    ("=SUM([Digits], 1)", 1),
    ("=SUM([Done], 1)", 1),
    ('=SUM("3", 1)', 4),
    ("=SUM(TRUE, 1)", 2),
    ('=SUM("abc", 1)', "#VALUE!"),
    ("=SUM([Oops], 1)", "#DIV/0!"),
    ("=SUM(0.1, 0.2)", 0.3),
    ("=SUM(1e308, 1e308)", "#NUM!"),
    ("=AVERAGE(1e308, 1e308)", "#NUM!"),
    # AVERAGE
    ("=AVERAGE(1, 2, 3, 4)", 2.5),
    ("=AVERAGE([Qty], [Empty])", 4),
    ("=AVERAGE([Note], 2)", 2),
    ("=AVERAGE([Empty])", "#DIV/0!"),
    ('=AVERAGE("x")', "#VALUE!"),
    ("=AVERAGE([Oops], 1)", "#DIV/0!"),
    # MIN / MAX
    ("=MIN(3, 1, 2)", 1),
    ("=MIN([Qty], [Empty])", 4),
    ("=MIN([Empty])", 0),
    ("=MIN([Note], 5)", 5),
    ('=MIN("x")', "#VALUE!"),
    ("=MIN([Oops], 1)", "#DIV/0!"),
    ("=MIN([Due], [Start])", datetime.date(2024, 1, 31)),
    ("=MIN([Due], [Note], [Empty])", datetime.date(2024, 3, 15)),
    ('=MIN([Due], "3")', 3),
    ("=MAX(3, 1, 2)", 3),
    ("=MAX(-1, [Empty])", -1),
    ("=MAX([Empty])", 0),
    ('=MAX("x", 1)', "#VALUE!"),
    ("=MAX([Oops], 1)", "#DIV/0!"),
    ("=MAX([Due], [Start])", datetime.date(2024, 3, 15)),
    # COUNT skips errors; COUNTA counts every filled cell, errors too
    ('=COUNT(1, "2", "x", TRUE)', 3),
    ("=COUNT([Qty], [Note], [Empty], [Done], [Due], [Digits])", 2),
    ("=COUNT([Oops], 1)", 1),
    ("=COUNT(1/0)", 0),
    ('=COUNTA(1, "x", "")', 3),
    ("=COUNTA([Qty], [Note], [Empty])", 2),
    ("=COUNTA([Oops])", 1),
    ("=COUNTA([Empty])", 0),
    # ROUND, ROUNDUP, ROUNDDOWN: halves away from zero
    ("=ROUND(2.345, 2)", 2.35),
    ("=ROUND(2.5, 0)", 3),
    ("=ROUND(1.005, 2)", 1.01),  # to the 15 digits a spreadsheet keeps, not the float's
    ("=ROUND(0.0285 * 100, 1)", 2.9),
    ("=ROUND(123.456, 1)", 123.5),
    ("=ROUND(-2.5, 0)", -3),
    ("=ROUND(1234, -2)", 1200),
    ("=ROUND(2.5)", 3),
    ('=ROUND("2.5", 0)', 3),
    ("=ROUND(2.5, [Empty])", 3),
    ("=ROUND([Empty], 1)", 0),
    ("=ROUND([Note], 1)", "#VALUE!"),
    ('=ROUND(1, "x")', "#VALUE!"),
    ("=ROUND([Oops], 1)", "#DIV/0!"),
    ("=ROUNDUP(2.01, 0)", 3),
    ("=ROUNDUP(-2.01, 0)", -3),
    ("=ROUNDUP(1234, -2)", 1300),
    ("=ROUNDUP([Empty], 0)", 0),
    ("=ROUNDUP([Note], 0)", "#VALUE!"),
    ("=ROUNDUP([Oops], 0)", "#DIV/0!"),
    ("=ROUNDDOWN(2.99, 0)", 2),
    ("=ROUNDDOWN(-2.99, 0)", -2),
    ("=ROUNDDOWN(3.14159, 3)", 3.141),
    ("=ROUNDDOWN([Empty], 0)", 0),
    ("=ROUNDDOWN([Note], 0)", "#VALUE!"),
    # INT, MOD, ABS, SIGN
    ("=INT(2.7)", 2),
    ("=INT(-2.3)", -3),
    ("=INT([Empty])", 0),
    ('=INT("x")', "#VALUE!"),
    ("=INT([Oops])", "#DIV/0!"),
    ("=MOD(10, 3)", 1),
    ("=MOD(-3, 2)", 1),
    ("=MOD(3, -2)", -1),
    ("=MOD(5.5, 2)", 1.5),
    ("=MOD(1, 0)", "#DIV/0!"),
    ("=MOD(1, [Empty])", "#DIV/0!"),
    ("=MOD([Empty], 2)", 0),
    ("=MOD([Note], 2)", "#VALUE!"),
    ("=MOD([Oops], 2)", "#DIV/0!"),
    ("=ABS(-3)", 3),
    ("=ABS(2.5)", 2.5),
    ("=ABS([Empty])", 0),
    ('=ABS("x")', "#VALUE!"),
    ("=ABS([Oops])", "#DIV/0!"),
    ("=SIGN(-5)", -1),
    ("=SIGN(0)", 0),
    ("=SIGN(3.2)", 1),
    ("=SIGN([Empty])", 0),
    ("=SIGN([Note])", "#VALUE!"),
    # SQRT, POWER, EXP, LN, LOG10
    ("=SQRT(16)", 4),
    ("=SQRT(2)", 1.4142135623731),
    ("=SQRT(-1)", "#NUM!"),
    ("=SQRT([Empty])", 0),
    ("=SQRT([Note])", "#VALUE!"),
    ("=SQRT([Oops])", "#DIV/0!"),
    ("=POWER(2, 10)", 1024),
    ("=POWER(4, 0.5)", 2),
    ("=POWER(0, 0)", "#NUM!"),
    ("=POWER(0, -1)", "#DIV/0!"),
    ("=POWER(-8, 1/3)", "#NUM!"),
    ("=POWER([Empty], 2)", 0),
    ('=POWER("x", 2)', "#VALUE!"),
    ("=POWER(2, [Oops])", "#DIV/0!"),
    ("=EXP(0)", 1),
    ("=EXP(1)", 2.718281828459045),
    ("=EXP(1000)", "#NUM!"),
    ("=EXP([Empty])", 1),
    ("=EXP([Note])", "#VALUE!"),
    ("=LN(1)", 0),
    ("=LN(EXP(2))", 2),
    ("=LN(0)", "#NUM!"),
    ("=LN(-1)", "#NUM!"),
    ("=LN([Empty])", "#NUM!"),
    ("=LN([Note])", "#VALUE!"),
    ("=LN([Oops])", "#DIV/0!"),
    ("=LOG10(1000)", 3),
    ("=LOG10(0)", "#NUM!"),
    ("=LOG10([Note])", "#VALUE!"),
    # CEILING and FLOOR to a multiple
    ("=CEILING(2.5, 1)", 3),
    ("=CEILING(2.5)", 3),
    ("=CEILING(-2.5, 2)", -2),
    ("=CEILING(-2.5, -2)", -4),
    ("=CEILING(2.5, -2)", "#NUM!"),
    ("=CEILING(1.234, 0.01)", 1.24),
    ("=CEILING(5, 0)", 0),
    ("=CEILING([Empty], 1)", 0),
    ("=CEILING([Note], 1)", "#VALUE!"),
    ("=CEILING([Oops], 1)", "#DIV/0!"),
    ("=FLOOR(2.5, 1)", 2),
    ("=FLOOR(-2.5, 2)", -4),
    ("=FLOOR(-2.5, -2)", -2),
    ("=FLOOR(2.5, -2)", "#NUM!"),
    ("=FLOOR(5, 0)", "#DIV/0!"),
    ("=FLOOR(1.239, 0.01)", 1.23),
    ("=FLOOR([Empty], 1)", 0),
    ("=FLOOR([Note], 1)", "#VALUE!"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_math_functions(text, expected):
    check(text, expected)


@example(10000000000000.469, 0)  # 10000000000000.5 to 15 digits: rounds up
@given(st.floats(-1e14, 1e14, allow_nan=False), st.integers(-6, 10))
def test_rounding_in_floats_agrees_with_decimal_rounding(value, places):
    step = Decimal(1).scaleb(-places)
    exact = (to_decimal(value) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    assert round_(value, places) == float(exact)
