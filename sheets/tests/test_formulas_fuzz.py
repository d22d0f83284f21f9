"""Any formula the grammar accepts, over any kind of cell, evaluates to a
value or an error value: nothing raises out of the evaluator."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from sheets.formulas import ErrorValue, compile_formula
from sheets.formulas.evaluator import Context
from sheets.formulas.functions import FUNCTIONS
from sheets.formulas.limits import DEFAULT
from sheets.tests.formula_helpers import COLUMNS, NOW, ROW, TODAY, TYPES

ATOMS = [f"[{name.replace(']', ']]')}]" for name in COLUMNS] + [
    "[Nope]",
    "0",
    "1",
    "2.5",
    "1e300",
    "1e308",
    "0.0001",
    "2958466",
    '""',
    '"abc"',
    '"12"',
    '"2024-02-29"',
    '"Y"',
    '"0.0%"',
    '"dddd h:mm AM/PM"',
    '"*"',
    "TRUE",
    "TODAY()",
    "NOW()",
    "#N/A",
]
OPERATORS = ["+", "-", "*", "/", "^", "&", "=", "<>", "<", ">="]


def _call(name: str, children: st.SearchStrategy) -> st.SearchStrategy:
    spec = FUNCTIONS[name]
    most = spec.max_args if spec.max_args is not None else spec.min_args + 3
    even = 2 if spec.pairs else 1  # IFS takes pairs
    return st.lists(children, min_size=spec.min_args, max_size=most).map(
        lambda args: f"{name}({', '.join(args[: len(args) - len(args) % even])})"
    )


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    binary = st.tuples(children, st.sampled_from(OPERATORS), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    unary = children.map(lambda c: f"-{c}%")
    calls = st.sampled_from(sorted(FUNCTIONS)).flatmap(lambda name: _call(name, children))
    return binary | unary | calls


FORMULAS = st.recursive(st.sampled_from(ATOMS), _extend, max_leaves=12)
CLOCKS = st.sampled_from([NOW, NOW.replace(tzinfo=datetime.UTC)])


@settings(max_examples=400, deadline=None)
@given(FORMULAS, CLOCKS)
def test_nothing_raises_out_of_the_evaluator(body, now):
    formula = compile_formula("=" + body, COLUMNS)
    # Formula.run: the evaluation itself, without evaluate's last-resort guard.
    result = formula.run(Context(ROW, TYPES, TODAY, now, DEFAULT, frozenset()))
    assert result is None or isinstance(
        result, ErrorValue | str | int | float | bool | datetime.date
    )
