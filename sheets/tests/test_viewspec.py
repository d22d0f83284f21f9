"""A view's spec (sheets/viewspec.py): what it takes per column type, and a
clear refusal for every malformed one. No rows are read here."""

import json
import uuid

import pytest

from sheets.models import Column
from sheets.viewspec import (
    MAX_FILTERS,
    MAX_SORT_KEYS,
    MAX_SPEC_CHARS,
    Filter,
    SortKey,
    ViewSpecError,
    parse_view,
)

TEXT, NUMBER, DATE, CHECK, NUM_FORMULA, MIXED_FORMULA = (str(uuid.uuid4()) for _ in range(6))
COLUMNS = [
    Column(id=TEXT, type="text"),
    Column(id=NUMBER, type="number"),
    Column(id=DATE, type="date"),
    Column(id=CHECK, type="checkbox"),
    Column(id=NUM_FORMULA, type="formula", result_type="number"),
    Column(id=MIXED_FORMULA, type="formula", result_type="mixed"),
]


def parse(spec):
    return parse_view(spec if isinstance(spec, str) else json.dumps(spec), COLUMNS)


def refused(spec) -> ViewSpecError:
    with pytest.raises(ViewSpecError) as caught:
        parse(spec)
    assert caught.value.message
    return caught.value


def test_an_empty_view_sorts_and_filters_nothing():
    assert parse({}).sort == () and parse({}).filters == ()
    assert parse({"sort": [], "filters": []}).filters == ()


def test_sort_keys_keep_their_order_and_direction():
    spec = parse({"sort": [{"column": NUMBER, "dir": "desc"}, {"column": TEXT}]})
    assert spec.sort == (
        SortKey(column=NUMBER, type="number", descending=True),
        SortKey(column=TEXT, type="text", descending=False),
    )


@pytest.mark.parametrize(
    ("column", "op", "value"),
    [
        (TEXT, "contains", "ap"),
        (TEXT, "is", "Apple"),
        (TEXT, "is_empty", None),
        (TEXT, "not_empty", None),
        *[(NUMBER, op, 2.5) for op in ["=", "!=", "<", "<=", ">", ">="]],
        (NUMBER, "between", [-1, 7]),
        (NUMBER, "is_empty", None),
        (NUMBER, "not_empty", None),
        (DATE, "before", "2026-12-04"),
        (DATE, "after", "2026-12-04"),
        (DATE, "between", ["2026-01-01", "2026-12-31"]),
        (DATE, "is_empty", None),
        (DATE, "not_empty", None),
        (CHECK, "checked", None),
        (CHECK, "not_checked", None),
        (NUM_FORMULA, ">", 1),
        (MIXED_FORMULA, "contains", "x"),
    ],
)
def test_every_operator_of_each_type_is_taken(column, op, value):
    item = {"column": column, "op": op} | ({} if value is None else {"value": value})
    (taken,) = parse({"filters": [item]}).filters
    expected = tuple(value) if isinstance(value, list) else value
    assert taken == Filter(column=column, type=taken.type, op=op, value=expected)


def test_a_formula_column_filters_as_its_result_type():
    number = parse({"filters": [{"column": NUM_FORMULA, "op": "=", "value": 1}]}).filters[0]
    mixed = parse({"filters": [{"column": MIXED_FORMULA, "op": "is", "value": "a"}]}).filters[0]
    assert (number.type, mixed.type) == ("number", "text")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("{", "invalid_view"),
        ("[]", "invalid_view"),
        ('{"sort": [], "sort": NaN}', "invalid_view"),
        ({"sort": [], "hidden": []}, "invalid_view"),
        ({"sort": {"column": TEXT}}, "invalid_sort"),
        ({"filters": "x"}, "invalid_filters"),
        ({"sort": [{"column": str(uuid.uuid4())}]}, "unknown_column"),
        ({"sort": [{"column": 7}]}, "unknown_column"),
        ({"sort": ["x"]}, "invalid_view"),
        ({"sort": [{"column": TEXT, "dir": "up"}]}, "invalid_sort"),
        ({"sort": [{"column": TEXT, "dir": "asc", "nulls": "first"}]}, "invalid_view"),
        ({"sort": [{"column": TEXT}, {"column": TEXT, "dir": "desc"}]}, "invalid_sort"),
        ({"filters": [{"column": str(uuid.uuid4()), "op": "is_empty"}]}, "unknown_column"),
        ({"filters": [{"column": TEXT, "op": ">", "value": "a"}]}, "invalid_operator"),
        ({"filters": [{"column": NUMBER, "op": "contains", "value": "1"}]}, "invalid_operator"),
        ({"filters": [{"column": DATE, "op": "<", "value": "2026-01-01"}]}, "invalid_operator"),
        ({"filters": [{"column": CHECK, "op": "=", "value": True}]}, "invalid_operator"),
        ({"filters": [{"column": TEXT}]}, "invalid_operator"),
        ({"filters": [{"column": TEXT, "op": "contains"}]}, "invalid_value"),
        ({"filters": [{"column": TEXT, "op": "contains", "value": ""}]}, "invalid_value"),
        ({"filters": [{"column": TEXT, "op": "contains", "value": 5}]}, "invalid_value"),
        ({"filters": [{"column": TEXT, "op": "is", "value": "a\x00"}]}, "invalid_value"),
        ({"filters": [{"column": TEXT, "op": "is", "value": "a" * 201}]}, "invalid_value"),
        ({"filters": [{"column": TEXT, "op": "is_empty", "value": "a"}]}, "invalid_value"),
        ({"filters": [{"column": NUMBER, "op": "=", "value": "5"}]}, "invalid_value"),
        ({"filters": [{"column": NUMBER, "op": "=", "value": True}]}, "invalid_value"),
        ({"filters": [{"column": NUMBER, "op": "=", "value": 2**53}]}, "invalid_value"),
        ({"filters": [{"column": NUMBER, "op": "between", "value": 5}]}, "invalid_value"),
        ({"filters": [{"column": NUMBER, "op": "between", "value": [1]}]}, "invalid_value"),
        ({"filters": [{"column": NUMBER, "op": "between", "value": [9, 1]}]}, "invalid_value"),
        ({"filters": [{"column": DATE, "op": "before", "value": "2026-13-01"}]}, "invalid_value"),
        ({"filters": [{"column": DATE, "op": "before", "value": "2026-W49-5"}]}, "invalid_value"),
        ({"filters": [{"column": DATE, "op": "after", "value": 20261204}]}, "invalid_value"),
        ({"filters": [{"column": CHECK, "op": "checked", "value": True}]}, "invalid_value"),
        ({"filters": [{"column": TEXT, "op": "is_empty", "and": 1}]}, "invalid_view"),
        ({"sort": [{"column": c.id} for c in COLUMNS]}, "invalid_sort"),
        ({"filters": [{"column": TEXT, "op": "not_empty"}] * (MAX_FILTERS + 1)}, "invalid_filters"),
        ("[" * 40 + "]" * 40, "invalid_view"),
        (" " * (MAX_SPEC_CHARS + 1) + "{}", "invalid_view"),
    ],
)
def test_a_malformed_view_is_refused_with_its_reason(spec, error):
    assert refused(spec).error == error


def test_the_caps_are_what_a_view_may_reach():
    sort = [{"column": c.id} for c in COLUMNS[:MAX_SORT_KEYS]]
    filters = [{"column": TEXT, "op": "not_empty"}] * MAX_FILTERS
    spec = parse({"sort": sort, "filters": filters})
    assert (len(spec.sort), len(spec.filters)) == (MAX_SORT_KEYS, MAX_FILTERS)
