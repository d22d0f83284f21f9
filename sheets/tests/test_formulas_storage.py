"""The storage form (references by column id), the text shown back with
current names, deleted columns as #REF!, the inferred result type, and the
limits checked while evaluating."""

import datetime

import pytest

from sheets.formulas import ErrorValue, Formula, Limits, compile_formula, evaluate
from sheets.tests.formula_helpers import COLUMNS, NOW, ROW, TODAY, TYPES, calc, check

NAMES = {column_id: name for name, column_id in COLUMNS.items()}


def test_stored_form_names_columns_by_id():
    formula = compile_formula("=[Price] * [Qty]", COLUMNS)
    assert formula.stored == "=[@c-price] * [@c-qty]"
    assert formula.references == frozenset({"c-price", "c-qty"})


@pytest.mark.parametrize(
    "text",
    [
        "=[Price] * [Qty]",
        '=IF([Done], ROUND([Price]*1.2, 2), "n/a")',
        "=[a]]b] + [Nope]  +  sum( 1 , 2 )",
        '="[Price]" & [Name]',
        "=#REF! + 1",
        "=1",
    ],
)
def test_load_and_to_text_round_trip(text):
    formula = compile_formula(text, COLUMNS)
    loaded = Formula.load(formula.stored)
    assert loaded.stored == formula.stored
    assert loaded.references == formula.references
    assert loaded.to_text(NAMES) == text
    assert evaluate(loaded, ROW, types=TYPES, today=TODAY, now=NOW) == calc(text)


def test_a_rename_shows_in_the_text_without_touching_storage():
    formula = compile_formula("=[Price] * [Qty]", COLUMNS)
    renamed = {**NAMES, "c-qty": "Quantity [units]"}
    assert formula.to_text(renamed) == "=[Price] * [Quantity [units]]]"
    columns = {"Price": "c-price", "Quantity [units]": "c-qty"}
    again = compile_formula(formula.to_text(renamed), columns)
    assert again.stored == formula.stored


def test_a_deleted_column_shows_and_evaluates_as_ref():
    formula = Formula.load(compile_formula("=[Price] * [Qty]", COLUMNS).stored)
    names = {"c-price": "Price"}
    assert formula.to_text(names) == "=[Price] * #REF!"
    result = evaluate(formula, ROW, types=TYPES, today=TODAY, now=NOW, missing=frozenset({"c-qty"}))
    assert result.code == "#REF!"
    # Undoing the delete brings the column (and the value) back: the id never left storage.
    assert formula.to_text(NAMES) == "=[Price] * [Qty]"
    assert evaluate(formula, ROW, types=TYPES, today=TODAY, now=NOW) == 10


def test_messages_name_columns_when_loaded_with_names():
    stored = compile_formula("=[Note] * 2", COLUMNS).stored
    with_names = evaluate(Formula.load(stored, names=NAMES), ROW, types=TYPES, today=TODAY, now=NOW)
    assert with_names.message == '[Note] is text, not a number: "abc"'
    without = evaluate(Formula.load(stored), ROW, types=TYPES, today=TODAY, now=NOW)
    assert without == ErrorValue("#VALUE!", 'A referenced column is text, not a number: "abc"')


def test_an_unknown_name_is_kept_and_resolves_once_recompiled():
    formula = compile_formula("=[Later] + 1", COLUMNS)
    assert formula.stored == "=[?Later] + 1"
    assert formula.references == frozenset()
    assert formula.to_text(NAMES) == "=[Later] + 1"
    later = compile_formula(formula.to_text(NAMES), {**COLUMNS, "Later": "c-later"})
    assert later.references == frozenset({"c-later"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=[Price] * [Qty]", "number"),
        ("=[Name]", "text"),
        ('=[Name] & "!"', "text"),
        ("=[Due]", "date"),
        ("=[Due] + 7", "date"),
        ("=7 + [Due]", "date"),
        ("=[Due] - [Start]", "number"),
        ("=[Due] - 1", "date"),
        ("=[Done]", "checkbox"),
        ("=[Qty] > 2", "checkbox"),
        ("=[Total] * 2", "number"),
        ("=[Total]", "number"),
        ("=IF([Done], 1, 2)", "number"),
        ('=IF([Done], 1, "x")', "mixed"),
        ("=IF([Done], 1)", "mixed"),
        ("=IFERROR([Qty] / 2, 0)", "number"),
        ("=ROUND([Price], 1)", "number"),
        ("=TODAY()", "date"),
        ("=EDATE([Due], 1)", "date"),
        ("=MAX([Due], [Start])", "date"),
        ("=MAX([Due], 1)", "number"),
        ('=CHOOSE(1, "a", "b")', "text"),
        ('=SWITCH([Qty], 1, "a", 2, "b", "c")', "text"),
        ("=ISBLANK([Qty])", "checkbox"),
        ("=([Price])", "number"),
        ("=[Nope]", "mixed"),
        ("=NOSUCH(1)", "mixed"),
        ("=#N/A", "mixed"),
    ],
)
def test_result_type_is_inferred(text, expected):
    assert compile_formula(text, COLUMNS).result_type(TYPES) == expected


def test_result_type_of_a_deleted_column_is_mixed():
    formula = compile_formula("=[Qty]", COLUMNS)
    assert formula.result_type({}) == "mixed"


def test_date_columns_are_read_as_dates():
    formula = compile_formula("=[Due] + 1", COLUMNS)
    row = {"c-due": "2024-02-28"}
    for column_type in ("date", "formula:date"):
        result = evaluate(formula, row, types={"c-due": column_type}, today=TODAY, now=NOW)
        assert result == datetime.date(2024, 2, 29)
    as_text = evaluate(formula, row, types={"c-due": "text"}, today=TODAY, now=NOW)
    assert as_text.code == "#VALUE!"
    bad = evaluate(formula, {"c-due": "soon"}, types={"c-due": "date"}, today=TODAY, now=NOW)
    assert bad.code == "#VALUE!" and "[Due] is not a date" in bad.message


def test_result_text_length_is_limited():
    error = calc('=REPT("ab", 20000)')
    assert error == ErrorValue("#VALUE!", "REPT: the text would be longer than 32767 characters")
    small = Limits(max_text=10)
    check('=REPT("ab", 5)', "ababababab", limits=small)
    check('=REPT("ab", 6)', "#VALUE!", limits=small)
    check('="abcdef" & "ghijk"', "#VALUE!", limits=small)
    check('="abc" & "def" & "ghi" & "jk"', "#VALUE!", limits=small)
    check('=CONCAT("abcdef", "ghijk")', "#VALUE!", limits=small)
    check('=TEXTJOIN("-", TRUE, "abcde", "fghij")', "#VALUE!", limits=small)
    check('=SUBSTITUTE("aaaa", "a", "bbb")', "#VALUE!", limits=small)
    check('=UPPER("abcdefghijk")', "#VALUE!", limits=small)  # the result itself
    check('=LEN(REPT("a", 20000) & REPT("a", 20000))', "#VALUE!")


def test_evaluation_steps_are_limited():
    limits = Limits(max_steps=5)
    check("=1+2", 3, limits=limits)
    error = calc("=1+2+3+4+5+6", limits=limits)
    assert error == ErrorValue("#VALUE!", "Too much work: more than 5 steps to compute this cell")
    # Only what is evaluated counts: the branch not taken is free.
    check("=IF(TRUE, 1, 1+2+3+4+5+6)", 1, limits=limits)
    check("=IF(FALSE, 1, 1+2+3+4+5+6)", "#VALUE!", limits=limits)


def test_limits_must_be_sane():
    with pytest.raises(ValueError, match="max_depth"):
        Limits(max_depth=1000)
    with pytest.raises(ValueError, match="max_steps"):
        Limits(max_steps=0)


def test_results_are_returned_in_plain_python_types():
    assert type(calc("=6/2")) is int
    assert type(calc("=7/2")) is float
    assert calc("=2^53 + 0.5") == 2.0**53
    assert calc("=[Empty]") is None
    assert calc("=[Oops]") == ROW["c-oops"]
    assert type(calc("=[Due]")) is datetime.date
    assert type(calc("=NOW()")) is datetime.datetime
