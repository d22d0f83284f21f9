"""A view's spec: how one reader sorts and filters a sheet's rows
(docs/protocol.md, "Views (sort and filter)"), checked against the sheet's
columns before any row is read. It changes nothing; sheets/viewquery.py turns
a checked spec into the rows' query.

    {"sort": [{"column": <id>, "dir": "asc" | "desc"}, ...],
     "filters": [{"column": <id>, "op": <operator>, "value": ...}, ...]}

Filters are combined with AND. The operators a column takes follow its type
(a formula column's: its result type; a formula whose results have no one
type filters as text).
"""

import datetime
import math
from dataclasses import dataclass
from typing import Any

from sheets import browser_json
from sheets.models import FORMULA, Column, ColumnType
from sheets.refusals import RequestRefused

MAX_SPEC_CHARS = 10_000
MAX_SORT_KEYS = 5
MAX_FILTERS = 20
MAX_TEXT_CHARS = 200  # a text filter's value, as find's query

# The operators of each type and what value each takes: None (no value),
# "one" (a value of the type) or "two" ([low, high], both included).
OPERATORS: dict[str, dict[str, str | None]] = {
    ColumnType.TEXT: {"contains": "one", "is": "one", "is_empty": None, "not_empty": None},
    ColumnType.NUMBER: {
        "=": "one",
        "!=": "one",
        "<": "one",
        "<=": "one",
        ">": "one",
        ">=": "one",
        "between": "two",
        "is_empty": None,
        "not_empty": None,
    },
    ColumnType.DATE: {
        "before": "one",
        "after": "one",
        "between": "two",
        "is_empty": None,
        "not_empty": None,
    },
    ColumnType.CHECKBOX: {"checked": None, "not_checked": None},
}


class ViewSpecError(RequestRefused):
    """A malformed view: answered 400 with this message."""


@dataclass(frozen=True)
class SortKey:
    column: str
    type: str  # the column's value type (OPERATORS' keys)
    descending: bool


@dataclass(frozen=True)
class Filter:
    column: str
    type: str
    op: str
    value: Any = None  # a str, a number, a "YYYY-MM-DD" date, or a (low, high) pair


@dataclass(frozen=True)
class ViewSpec:
    sort: tuple[SortKey, ...] = ()
    filters: tuple[Filter, ...] = ()


def value_type(column: Column) -> str:
    """The type a column's values are sorted and filtered as."""
    if column.type != FORMULA:
        return column.type
    return column.result_type if column.result_type in OPERATORS else ColumnType.TEXT


def parse_view(raw: str, columns: list[Column]) -> ViewSpec:
    """The view a `view=<json>` parameter asks for, checked against the
    sheet's columns; ViewSpecError if it is malformed."""
    if len(raw) > MAX_SPEC_CHARS:
        raise ViewSpecError("invalid_view", f"The view is longer than {MAX_SPEC_CHARS} characters.")
    try:
        spec = browser_json.parse(raw)
    except browser_json.BrowserJSONError:
        raise ViewSpecError("invalid_view", "The view is not valid JSON.") from None
    _only_keys(spec, {"sort", "filters"}, "The view")
    types = {str(c.id): value_type(c) for c in columns}
    sort = _list(spec, "sort", MAX_SORT_KEYS, "sort keys")
    filters = _list(spec, "filters", MAX_FILTERS, "filters")
    keys = tuple(_sort_key(item, types) for item in sort)
    if len({k.column for k in keys}) < len(keys):
        raise ViewSpecError("invalid_sort", "A column is sorted by more than once.")
    return ViewSpec(sort=keys, filters=tuple(_filter(item, types) for item in filters))


def _only_keys(value: Any, allowed: set[str], what: str) -> None:
    if not isinstance(value, dict):
        raise ViewSpecError("invalid_view", f"{what} must be a JSON object.")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ViewSpecError(
            "invalid_view", f"{what} has a field it does not take: {unknown[0][:40]}."
        )


def _list(spec: dict, name: str, most: int, what: str) -> list:
    items = spec.get(name, [])
    if not isinstance(items, list):
        raise ViewSpecError(f"invalid_{name}", f"{name} must be a list.")
    if len(items) > most:
        raise ViewSpecError(f"invalid_{name}", f"A view takes at most {most} {what}.")
    return items


def _column(item: dict, types: dict[str, str], what: str) -> tuple[str, str]:
    column = item.get("column")
    if not isinstance(column, str) or column not in types:
        raise ViewSpecError("unknown_column", f"{what} names a column this sheet does not have.")
    return column, types[column]


def _sort_key(item: Any, types: dict[str, str]) -> SortKey:
    _only_keys(item, {"column", "dir"}, "A sort key")
    column, column_type = _column(item, types, "A sort key")
    direction = item.get("dir", "asc")
    if direction not in ("asc", "desc"):
        raise ViewSpecError("invalid_sort", 'A sort key\'s dir is "asc" or "desc".')
    return SortKey(column=column, type=column_type, descending=direction == "desc")


def _filter(item: Any, types: dict[str, str]) -> Filter:
    _only_keys(item, {"column", "op", "value"}, "A filter")
    column, column_type = _column(item, types, "A filter")
    ops = OPERATORS[column_type]
    op = item.get("op")
    if not isinstance(op, str) or op not in ops:
        raise ViewSpecError(
            "invalid_operator",
            f"A {column_type} column is filtered with one of: {', '.join(ops)}.",
        )
    takes = ops[op]
    if takes is None:
        if "value" in item:
            raise ViewSpecError("invalid_value", f"The filter {op} takes no value.")
        return Filter(column=column, type=column_type, op=op)
    if "value" not in item:
        raise ViewSpecError("invalid_value", f"The filter {op} needs a value.")
    if takes == "one":
        value = _value(column_type, item["value"], op)
    else:
        value = _pair(column_type, item["value"], op)
    return Filter(column=column, type=column_type, op=op, value=value)


def _pair(column_type: str, raw: Any, op: str) -> tuple[Any, Any]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise ViewSpecError("invalid_value", f"The filter {op} takes [low, high].")
    low, high = (_value(column_type, v, op) for v in raw)
    if low > high:
        raise ViewSpecError("invalid_value", f"The filter {op} takes [low, high], low first.")
    return low, high


def _value(column_type: str, raw: Any, op: str) -> Any:
    if column_type == ColumnType.TEXT:
        if not isinstance(raw, str) or not raw:
            raise ViewSpecError("invalid_value", f"The filter {op} takes some text.")
        if len(raw) > MAX_TEXT_CHARS:
            raise ViewSpecError(
                "invalid_value", f"A filter's text is longer than {MAX_TEXT_CHARS} characters."
            )
        if "\x00" in raw:
            raise ViewSpecError("invalid_value", "A filter's text holds a NUL character.")
        return raw
    if column_type == ColumnType.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise ViewSpecError("invalid_value", f"The filter {op} takes a number.")
        if isinstance(raw, int) and abs(raw) >= 2**53:
            raise ViewSpecError("invalid_value", "The filter's number is too large.")
        return raw
    # A date: exactly YYYY-MM-DD, as date cells are stored.
    try:
        if not isinstance(raw, str) or len(raw) != 10:
            raise ValueError
        if datetime.date.fromisoformat(raw).isoformat() != raw:
            raise ValueError  # 2026-W49-5 is a date to Python, not to a date cell
        return raw
    except ValueError:
        raise ViewSpecError(
            "invalid_value", f"The filter {op} takes a date as YYYY-MM-DD."
        ) from None
