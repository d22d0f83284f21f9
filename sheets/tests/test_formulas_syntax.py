"""What is refused when a formula is saved: syntax errors with the position
and what was expected there, wrong argument counts, and the compile-time
limits. Also what is accepted: any case, spaces, `]]` in column names."""

import pytest

from sheets.formulas import FormulaSyntaxError, Limits, compile_formula
from sheets.tests.formula_helpers import COLUMNS, check


def refused(text: str, limits: Limits | None = None) -> FormulaSyntaxError:
    with pytest.raises(FormulaSyntaxError) as info:
        compile_formula(text, COLUMNS, limits)
    assert info.value.message == str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("text", "position", "message", "expected"),
    [
        ("=[Price]*", 9, "Expected a value after '*' at position 9", "a number"),
        ("=[Price] * ", 11, "Expected a value after '*' at position 11", "a number"),
        ("=1+*2", 3, "Expected a value after '+' at position 3", "a column in brackets ([Name])"),
        ("=", 1, "Expected a value at position 1", "a function name"),
        ("=(1+2", 5, "The formula ends too soon: expected ) at position 5", ")"),
        ("=SUM(1, 2", 9, "The formula ends too soon", ","),
        ("=SUM(1,2))", 9, "Unexpected ')' at position 9", "the end of the formula"),
        ("=1 2", 3, "Unexpected '2' at position 3: expected an operator", "* or /"),
        ("=SUM(1 2)", 7, "expected an operator or ) or ,", ")"),
        ('="abc', 1, 'Text starting at position 1 has no closing "', '"'),
        ("=[Price", 1, "The column name at position 1 has no closing ]", "]"),
        ("=1 + @", 5, "Unexpected '@' at position 5", "a number"),
        ("1+2", 0, "A formula starts with =", "="),
        ("", 0, "A formula starts with =", "="),
        ("  =1 +", 6, "Expected a value after '+' at position 6", "a number"),
    ],
)
def test_syntax_errors_give_position_and_expected(text, position, message, expected):
    error = refused(text)
    assert error.position == position
    assert message in error.message
    assert expected in error.expected


def test_an_operator_where_a_value_belongs_is_not_an_expected_closer():
    error = refused("=1 2")
    assert ")" not in error.expected and "," not in error.expected


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("=IF(1)", "IF takes 2 or 3 arguments, not 1", 1),
        ("=1 + TODAY(1)", "TODAY takes 0 arguments, not 1", 5),
        ("=AND()", "AND takes at least 1 argument, not 0", 1),
        ("=ROUND(1, 2, 3)", "ROUND takes 1 or 2 arguments, not 3", 1),
        ("=MID(1, 2)", "MID takes 3 arguments, not 2", 1),
        ("=DATE(1, 2, 3, 4)", "DATE takes 3 arguments, not 4", 1),
        ("=TEXTJOIN(1, 2)", "TEXTJOIN takes at least 3 arguments, not 2", 1),
        ("=IFS(TRUE, 1, FALSE)", "IFS takes pairs of a condition and a value, not 3", 1),
    ],
)
def test_wrong_argument_counts_are_refused(text, message, position):
    error = refused(text)
    assert error.message == message
    assert error.position == position


def test_unknown_names_compile_and_evaluate_to_name_errors():
    formula = compile_formula("=NOSUCH([Nope]) + [Price]", COLUMNS)
    assert formula.references == frozenset({"c-price"})
    check("=NOSUCH(1)", "#NAME?")
    check("=[Nope]", "#NAME?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=sum(1, 2)", 3),
        ("=Round(2.5, 0)", 3),
        ("=iF(tRuE, 1, 2)", 1),
        ("=TrUe", True),
        ('=textjoin("-", true, "a", "b")', "a-b"),
        ("=[PRICE] * [qty]", 10),
        ("=#div/0!", "#DIV/0!"),
    ],
)
def test_names_and_functions_ignore_case(text, expected):
    check(text, expected)


def test_closing_bracket_in_a_column_name_is_doubled():
    formula = compile_formula("=[a]]b] * 2", COLUMNS)
    assert formula.references == frozenset({"c-bracket"})
    assert formula.to_text({"c-bracket": "x]]y"}) == "=[x]]]]y] * 2"
    check("=[a]]b] * 2", 14)
    error = refused("=[a]b]")
    assert error.position == 4
    assert error.message.endswith("(a ] inside a column name is written ]])")


def test_nothing_is_run_as_python():
    check('=__import__("os")', "#NAME?")
    check("=EVAL(1)", "#NAME?")
    assert refused("=open('x')").position == 6


def test_formula_length_is_limited():
    limits = Limits(max_length=20)
    assert compile_formula("=" + "1+" * 9 + "1", COLUMNS, limits)
    error = refused("=" + "1+" * 10 + "1", limits)
    assert error.message == "The formula is longer than 20 characters"
    error = refused("=" + "1+" * 2000 + "1")
    assert error.message == "The formula is longer than 4000 characters"


def test_nesting_depth_is_limited():
    limits = Limits(max_depth=5)
    check("=((((1))))", 1, limits=limits)
    error = refused("=(((((1)))))", limits)
    assert error.message == "The formula is nested more than 5 levels deep at position 6"
    assert error.position == 6
    assert refused("=ABS(ABS(ABS(ABS(ABS(1)))))", limits).position == 21
    assert refused("=-----1", limits).message.startswith("The formula is nested")
    assert refused("=" + "(" * 60 + "1" + ")" * 60).message.startswith(
        "The formula is nested more than 50 levels"
    )


def test_long_chains_of_one_operator_are_flat():
    # Each + at one level is one node, so a long sum is not deep.
    check("=" + "+".join(["1"] * 1500), 1500)
    check("=" + "&".join(['"a"'] * 1000), "a" * 1000)
