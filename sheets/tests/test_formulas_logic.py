"""IF, IFS, IFERROR, AND, OR, XOR, NOT, the IS functions, CHOOSE and SWITCH:
ordinary, blank, wrong-type and error arguments, as a spreadsheet answers.

The sample row (formula_helpers): [Qty] 4, [Empty] blank, [Note] "abc",
[Done] TRUE, [Due] 2024-03-15, [Oops] #DIV/0!."""

import pytest

from sheets.tests.formula_helpers import check

CASES = [
    # IF
    ("=IF(TRUE, 1, 2)", 1),
    ("=IF(FALSE, 1, 2)", 2),
    ("=IF(FALSE, 1)", False),
    ('=IF([Qty] > 3, "big", "small")', "big"),
    ("=IF(0, 1, 2)", 2),
    ("=IF(-1, 1, 2)", 1),
    ('=IF("true", 1, 2)', 1),
    ("=IF([Empty], 1, 2)", 2),
    ("=IF([Note], 1, 2)", "#VALUE!"),
    ("=IF([Oops], 1, 2)", "#DIV/0!"),
    ("=IF(TRUE, 1, 1/0)", 1),  # the branch not taken is not evaluated
    ("=IF(TRUE, [Oops], 2)", "#DIV/0!"),
    ("=if(true, 1, 2)", 1),
    # IFS
    ("=IFS(FALSE, 1, TRUE, 2)", 2),
    ('=IFS([Qty] > 10, "a", [Qty] > 3, "b")', "b"),
    ("=IFS(FALSE, 1)", "#N/A"),
    ('=IFS([Empty], 1, TRUE, "x")', "x"),
    ("=IFS([Note], 1)", "#VALUE!"),
    ("=IFS([Oops], 1, TRUE, 2)", "#DIV/0!"),
    ("=IFS(TRUE, 1, 1/0, 2)", 1),
    # IFERROR
    ('=IFERROR(1/0, "x")', "x"),
    ('=IFERROR(5, "x")', 5),
    ("=IFERROR([Oops], 0)", 0),
    ("=IFERROR([Note] * 1, -1)", -1),
    ("=IFERROR([Nope], 1)", 1),
    ("=IFERROR([Empty], 1)", None),
    ("=IFERROR(1/0, 1/0)", "#DIV/0!"),
    # AND / OR / XOR: in a cell, text and blanks are skipped
    ("=AND(TRUE, TRUE)", True),
    ("=AND(TRUE, FALSE)", False),
    ("=AND(1, 2)", True),
    ("=AND(1, 0)", False),
    ('=AND("true", 1)', True),
    ("=AND(TRUE, [Empty])", True),
    ("=AND([Empty])", "#VALUE!"),
    ("=AND(TRUE, [Note])", True),
    ('=AND(TRUE, "abc")', "#VALUE!"),
    ("=AND([Oops], TRUE)", "#DIV/0!"),
    ("=AND(FALSE, 1/0)", "#DIV/0!"),  # no short-circuit, as spreadsheets
    ("=AND([Done], [Qty] > 3)", True),
    ("=OR(FALSE, TRUE)", True),
    ("=OR(FALSE, 0)", False),
    ("=OR([Empty], FALSE)", False),
    ("=OR([Empty])", "#VALUE!"),
    ('=OR(FALSE, "x")', "#VALUE!"),
    ("=OR(TRUE, [Oops])", "#DIV/0!"),
    ("=XOR(TRUE, FALSE)", True),
    ("=XOR(TRUE, TRUE)", False),
    ("=XOR(TRUE, TRUE, TRUE)", True),
    ("=XOR([Empty], TRUE)", True),
    ('=XOR("x")', "#VALUE!"),
    ("=XOR([Oops])", "#DIV/0!"),
    # NOT
    ("=NOT(TRUE)", False),
    ("=NOT(0)", True),
    ("=NOT(5)", False),
    ("=NOT([Empty])", True),
    ("=NOT([Note])", "#VALUE!"),
    ("=NOT([Oops])", "#DIV/0!"),
    # IS functions take errors as values
    ("=ISBLANK([Empty])", True),
    ('=ISBLANK("")', False),
    ("=ISBLANK([Qty])", False),
    ("=ISBLANK([Oops])", False),
    ("=ISNUMBER(1)", True),
    ('=ISNUMBER("1")', False),
    ("=ISNUMBER([Empty])", False),
    ("=ISNUMBER([Due])", True),
    ("=ISNUMBER([Oops])", False),
    ('=ISTEXT("a")', True),
    ("=ISTEXT([Note])", True),
    ("=ISTEXT([Empty])", False),
    ("=ISTEXT(1)", False),
    ("=ISTEXT([Oops])", False),
    ("=ISERROR(1/0)", True),
    ("=ISERROR([Oops])", True),
    ("=ISERROR([Nope])", True),
    ("=ISERROR(1)", False),
    ("=ISERROR([Empty])", False),
    # CHOOSE
    ('=CHOOSE(2, "a", "b")', "b"),
    ('=CHOOSE(2.9, "a", "b")', "b"),
    ('=CHOOSE(0, "a")', "#VALUE!"),
    ('=CHOOSE(3, "a", "b")', "#VALUE!"),
    ('=CHOOSE([Empty], "a")', "#VALUE!"),
    ('=CHOOSE("x", "a")', "#VALUE!"),
    ('=CHOOSE([Oops], "a")', "#DIV/0!"),
    ('=CHOOSE(1, "a", 1/0)', "a"),
    ("=CHOOSE([Qty], 1, 2, 3, [Name])", "Ada Lovelace"),
    # SWITCH
    ('=SWITCH(2, 1, "a", 2, "b")', "b"),
    ('=SWITCH(3, 1, "a", "none")', "none"),
    ('=SWITCH(3, 1, "a")', "#N/A"),
    ('=SWITCH("B", "a", 1, "b", 2)', 2),
    ('=SWITCH([Empty], 0, "zero", "other")', "zero"),
    ("=SWITCH([Oops], 1, 2)", "#DIV/0!"),
    ('=SWITCH(1, 1, "a", 1/0)', "a"),
    ('=SWITCH(2, 1/0, "a", "b")', "#DIV/0!"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_logic_and_choice_functions(text, expected):
    check(text, expected)
