"""A view's rows: a sheet's Row queryset filtered and sorted as a checked
spec (sheets/viewspec.py) says, in SQL that PostgreSQL (jsonb) and SQLite
(JSON1) both run. It reads only.

A cell is read by its JSON type first, so a cast only ever meets a value of
its kind: a column's own values (strings in a text or date column, numbers in
a number column, true/false in a checkbox column) are compared and sorted as
that type; any other value (a formula's error, a formula whose results have
no one type) is an "other" value.

Sort, per key: the column's own values (text without regard to case, numbers
as numbers, dates as dates, unchecked before checked) in the key's direction,
then the other values, then the empty cells, in both directions; rows equal
on every key keep the sheet's row order (position, then id), so the order is
total and the same on every read.

Filters: text `contains` and `is` ignore case and match text values only,
`%` and `_` being plain characters; a number comparison or `between` matches
number values only, and `!=` every row not holding that number (empty cells
and other values too); dates compare by their day; `not_checked` is every
row not checked. Empty means no value (an empty cell is never stored).
"""

from typing import Any

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import compile_json_path
from django.db.models.functions import Substr
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
)

from sheets.models import ColumnType, Row, Sheet
from sheets.viewspec import Filter, SortKey, ViewSpec

# How each backend names a cell's JSON type (jsonb_typeof / json_type).
_KINDS = {
    "postgresql": {"text": ["string"], "number": ["number"], "checkbox": ["boolean"]},
    "sqlite": {"text": ["text"], "number": ["integer", "real"], "checkbox": ["true", "false"]},
}


class _Cell(Func):
    """One cell of a row's values as SQL: its JSON type (`kind`; NULL when
    absent), its text (`text`, for strings), its number (`number`), or its
    place in a sort (`place`: 0 for a value of the `own` kinds, 1 for another
    value, 2 for none)."""

    _POSTGRESQL = {
        "kind": ("jsonb_typeof(%(expressions)s)", " -> "),
        "text": ("(%(expressions)s)", " ->> "),
        "number": ("((%(expressions)s)::double precision)", " ->> "),
    }
    _SQLITE = {
        "kind": "json_type(%(expressions)s)",
        "text": "json_extract(%(expressions)s)",
        "number": "CAST(json_extract(%(expressions)s) AS REAL)",
    }

    def __init__(self, column: str, part: str, own: list[str] | None = None):
        output = {"number": FloatField(), "place": IntegerField()}.get(part, TextField())
        super().__init__(F("values"), Value(column), output_field=output)
        self.part = part
        self.own = own or []

    def _template(self, kind: str) -> str:
        if self.part != "place":
            return kind
        # The type is read once per row (a searched CASE would read it per WHEN).
        # The kinds are our constants (_KINDS), never a request's text.
        own = " ".join(f"WHEN '{k}' THEN 0" for k in self.own)
        return f"CASE COALESCE({kind}, 'null') {own} WHEN 'null' THEN 2 ELSE 1 END"

    def as_postgresql(self, compiler, connection, **extra):
        template, joiner = self._POSTGRESQL["kind" if self.part == "place" else self.part]
        template = self._template(template)
        return self.as_sql(compiler, connection, template=template, arg_joiner=joiner, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        values, column = self.get_source_expressions()
        path = self.copy()
        path.set_source_expressions([values, Value(compile_json_path([column.value]))])
        template = self._template(self._SQLITE["kind" if self.part == "place" else self.part])
        return Func.as_sql(path, compiler, connection, template=template, **extra)


class _Folded(Func):
    """Text without regard to case: PostgreSQL's lower(); on SQLite, whose
    lower() folds ASCII only, Python's str.lower (registered below)."""

    function = "lower"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function=_SQLITE_LOWER, **extra)


_SQLITE_LOWER = "gridroom_lower"


def _lower(text: Any) -> Any:
    return text.lower() if isinstance(text, str) else text


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(_SQLITE_LOWER, 1, _lower, deterministic=True)


connection_created.connect(_register_sqlite_functions, dispatch_uid="gridroom_sqlite_lower")


def _ready() -> None:
    """A connection opened before this module was imported has the function too."""
    connection.ensure_connection()
    _register_sqlite_functions(None, connection)


def _sure(condition: Q) -> Case:
    """A condition as true or false, never NULL, so that it can be negated."""
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


class _Column:
    """The SQL expressions about one column's cells."""

    def __init__(self, column: str, column_type: str):
        self.kinds = _KINDS[connection.vendor]
        self.type = column_type
        self.kind = _Cell(column, "kind")
        self.text = _Cell(column, "text")
        self.number = _Cell(column, "number")

    def is_kind(self, value_type: str) -> Q:
        return Q(In(self.kind, self.kinds[value_type]))

    def own_kinds(self) -> list[str]:
        """The JSON types of the column's own values (a date column's are strings)."""
        return self.kinds[ColumnType.TEXT if self.type == ColumnType.DATE else self.type]

    def own(self) -> Q:
        return Q(In(self.kind, self.own_kinds()))

    def empty(self) -> Q:
        return Q(IsNull(self.kind, True)) | Q(Exact(self.kind, "null"))

    def checked(self) -> Q:
        if connection.vendor == "sqlite":
            return Q(Exact(self.kind, "true"))
        return self.is_kind(ColumnType.CHECKBOX) & Q(Exact(self.text, "true"))

    def value(self) -> Case:
        """Its own values, comparable as its type; NULL for any other cell."""
        if self.type == ColumnType.TEXT:
            then = _Folded(self.text)
        elif self.type == ColumnType.NUMBER:
            then = self.number
        elif self.type == ColumnType.DATE:
            then = Substr(self.text, 1, 10)  # a formula's date and time is on its day
        else:
            then = _sure(self.checked())
        return Case(When(self.own(), then=then), default=None, output_field=then.output_field)


# --- Filters


def _match(f: Filter) -> Q:
    col = _Column(f.column, f.type)
    if f.op == "is_empty":
        return col.empty()
    if f.op == "not_empty":
        return Q(Exact(_sure(col.empty()), False))
    if f.op == "checked":
        return col.checked()
    if f.op == "not_checked":
        return Q(Exact(_sure(col.checked()), False))
    value = col.value()
    if f.type == ColumnType.TEXT:
        needle = f.value.lower()
        return Q(Contains(value, needle)) if f.op == "contains" else Q(Exact(value, needle))
    if f.op == "!=":
        return Q(Exact(_sure(Q(Exact(value, f.value))), False))
    if f.op == "between":
        low, high = f.value
        return Q(GreaterThanOrEqual(value, low)) & Q(LessThanOrEqual(value, high))
    lookup = {
        "=": Exact,
        "<": LessThan,
        "<=": LessThanOrEqual,
        ">": GreaterThan,
        ">=": GreaterThanOrEqual,
        "before": LessThan,
        "after": GreaterThan,
    }[f.op]
    return Q(lookup(value, f.value))


def filtered(sheet: Sheet, spec: ViewSpec) -> QuerySet:
    """The sheet's rows that pass every filter, in no order."""
    _ready()
    rows = Row.objects.filter(sheet_id=sheet.id)
    for f in spec.filters:
        rows = rows.filter(_match(f))
    return rows


# --- Sort


def order_by_key(key: SortKey) -> list:
    col = _Column(key.column, key.type)
    # 0: the column's own values, 1: other values, 2: empty; ascending both ways.
    place = _Cell(key.column, "place", col.own_kinds())
    value = col.value()
    return [place.asc(), value.desc() if key.descending else value.asc()]


def view_rows(sheet: Sheet, spec: ViewSpec) -> QuerySet:
    """The view's rows in its order, the sheet's row order breaking ties."""
    keys = [part for key in spec.sort for part in order_by_key(key)]
    return filtered(sheet, spec).order_by(*keys, "order", "id")


def view_count(sheet: Sheet, spec: ViewSpec) -> int:
    """How many rows the view shows (the sheet's row count when it filters
    nothing). Call inside the read that reads its rows, at the same version."""
    if not spec.filters:
        sheet.refresh_from_db(fields=["row_count"])
        return sheet.row_count
    return filtered(sheet, spec).count()
