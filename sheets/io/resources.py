"""The django-import-export Resource of one sheet, and the formula escape.

A sheet has no model per column: its columns are rows of `Column` and a row's
cells live in `Row.values`, keyed by column id. So the Resource is built per
sheet: one `Field` per column, `attribute` = the column id (a key of
`Row.values`), `column_name` = the column's name, and a widget per column type
whose `clean` is `sheets.values.clean` and whose `render` is the export form.
Import and export both map and convert through it; the bulk loops in
`sheets/io/writer.py` and `sheets/io/export.py` call the fields' widgets
directly instead of the library's per-row machinery (docs/import-export.md).
"""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from import_export import resources, widgets
from import_export.fields import Field

from sheets import values

# Text beginning with one of these is a formula (or becomes one) in a spreadsheet app.
FORMULA_PREFIXES = frozenset("=+-@\t\r")
ESCAPE = "'"


def escape_formula(text: str) -> str:
    """`'` in front of text a spreadsheet app would run as a formula."""
    return ESCAPE + text if text and text[0] in FORMULA_PREFIXES else text


def unescape_formula(text: str) -> str:
    """The inverse of `escape_formula` on import: `'=x` is read as `=x`. A text
    that genuinely starts with `'=` cannot be told apart (docs/import-export.md)."""
    if len(text) > 1 and text[0] == ESCAPE and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


class CellWidget(widgets.Widget):
    """One column type. `clean` gives the stored form (None: empty) or raises
    values.InvalidValue (a ValueError); `render` gives the export form: text
    for CSV, native values when `force_native_type` (XLSX), as the library's
    own widgets do."""

    column_type = "text"

    def __init__(self) -> None:
        super().__init__(coerce_to_string=True)
        # The bulk import maps this over whole columns: stored form or values.EMPTY.
        self.cleaner = values.CLEANERS[self.column_type]

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return None
        stored = self.cleaner(value)
        return None if stored is values.EMPTY else stored

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        return "" if value is None else value

    def clean_column(self, texts: list[str]) -> list[Any]:
        """Stored forms (or values.EMPTY) of a column of strings; InvalidValue
        on the first that does not clean."""
        return list(map(self.cleaner, texts))

    def render_column(self, column: list, *, force_native_type: bool = False) -> list:
        """`render` over a column of stored values, for the bulk export; an
        empty cell stays None (both writers write it empty)."""
        return [
            None if v is None else self.render(v, force_native_type=force_native_type)
            for v in column
        ]


class TextWidget(CellWidget):
    column_type = "text"

    def clean_column(self, texts: list[str]) -> list[Any]:
        return values.clean_texts(texts)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        # Native (XLSX): written as a string cell, which is never a formula.
        return value if kwargs.get("force_native_type") else escape_formula(value)

    def render_column(self, column: list, *, force_native_type: bool = False) -> list:
        if force_native_type:
            # XLSX: a cell written as a string is no formula; the writer marks
            # the risky ones as text (sheets/io/export.py), so no `'` is needed.
            return column
        # escape_formula, inline: this runs for every text cell of an export.
        return [ESCAPE + v if v and v[0] in FORMULA_PREFIXES else v for v in column]


class NumberWidget(CellWidget):
    """Numbers stay numbers: never escaped (a negative number is no formula).
    The CSV writer prints them as Python does, which reads back exactly."""

    column_type = "number"

    def __init__(self, decimal_mark: str = ".") -> None:
        super().__init__()
        # Imported from a file that writes 1.234,5 (sheets/io/sniffing.py): read so.
        self.cleaner = values.NUMBER_CLEANERS[decimal_mark]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        if value.__class__ is int and not -_SAFE < value < _SAFE:
            # Only a float is stored this large, but PostgreSQL's jsonb gives
            # 1e20 back as an integer: written as the float it was (an integer
            # this large is refused on import: it would lose digits).
            return float(value)
        return value

    def render_column(self, column: list, *, force_native_type: bool = False) -> list:
        return [float(v) if v.__class__ is int and not -_SAFE < v < _SAFE else v for v in column]


_SAFE = 2**53


class DateWidget(CellWidget):
    """ISO 8601 (YYYY-MM-DD) in CSV; a real date in XLSX."""

    column_type = "date"

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return datetime.date.fromisoformat(value)
        return value

    def render_column(self, column: list, *, force_native_type: bool = False) -> list:
        if force_native_type:
            return super().render_column(column, force_native_type=True)
        return column  # stored as ISO text already


class CheckboxWidget(CellWidget):
    column_type = "checkbox"

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        if kwargs.get("force_native_type"):
            return value
        return "true" if value else "false"

    def render_column(self, column: list, *, force_native_type: bool = False) -> list:
        return column if force_native_type else list(map(_CHECKBOX_TEXT.get, column))


_CHECKBOX_TEXT = {True: "true", False: "false"}


class FormulaWidget(CellWidget):
    """A formula column's computed values: numbers as numbers, checkboxes and
    dates as their columns write them, text escaped like text, an error as
    its code (#DIV/0!). Never imported into: a file's values are not formulas."""

    column_type = "formula"

    def __init__(self, result_type: str = "") -> None:
        widgets.Widget.__init__(self, coerce_to_string=True)
        self.result_type = result_type
        self.cleaner = _refuse_computed

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        native = bool(kwargs.get("force_native_type"))
        return self.render_column([value], force_native_type=native)[0]

    def render_column(self, column: list, *, force_native_type: bool = False) -> list:
        out: list[Any] = []
        for v in column:
            kind = v.__class__
            if kind is dict:
                out.append(v.get("error", "#VALUE!"))
            elif kind is bool:
                out.append(v if force_native_type else _CHECKBOX_TEXT[v])
            elif kind is int and not -_SAFE < v < _SAFE:
                out.append(float(v))
            elif kind is str and force_native_type and self.result_type == "date":
                out.append(_native_date(v))
            elif kind is str and not force_native_type:
                out.append(escape_formula(v))
            else:
                out.append(v)
        return out


def _native_date(text: str) -> Any:
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return text


def _refuse_computed(value: Any) -> Any:
    raise values.InvalidValue("formula_column", "A formula column's values are computed.")


WIDGETS: dict[str, type[CellWidget]] = {
    w.column_type: w for w in (TextWidget, NumberWidget, DateWidget, CheckboxWidget)
}


def header_key(name: str) -> str:
    """How a file's header is matched to a column name: trimmed, case-folded."""
    return " ".join(name.split()).casefold()


class SheetResource(resources.Resource):
    """The Resource of one sheet's columns, in display order. An instance is a
    plain dict of cells (`Row.values`): `Field.get_value` reads dict keys."""

    def __init__(self, columns: Iterable[Any], *, decimal_mark: str = ".") -> None:
        """`decimal_mark`: how the file being imported writes numbers."""
        super().__init__()
        self.fields = {}
        for column in columns:
            key = str(column.id) if hasattr(column, "id") else str(column["id"])
            name = column.name if hasattr(column, "name") else column["name"]
            column_type = column.type if hasattr(column, "type") else column["type"]
            if column_type == "number":
                widget = NumberWidget(decimal_mark)
            elif column_type == "formula":
                widget = FormulaWidget(column.result_type if hasattr(column, "result_type") else "")
            else:
                widget = WIDGETS[column_type]()
            self.fields[key] = Field(attribute=key, column_name=name, widget=widget)

    def get_export_order(self) -> tuple[str, ...]:
        return tuple(self.fields)

    def get_import_order(self) -> tuple[str, ...]:
        return tuple(self.fields)

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        # Column names are text a user typed: escaped like any text cell.
        return [escape_formula(name) for name in super().get_export_headers(selected_fields)]

    def match_headers(self, headers: list[str]) -> list[Field | None]:
        """The field each header names (trimmed, case-insensitive), or None.
        A column matches at most one header: the first."""
        by_name: dict[str, Field] = {}
        for field in self.fields.values():
            by_name.setdefault(header_key(field.column_name), field)
        matched: list[Field | None] = []
        for header in headers:
            field = by_name.pop(header_key(header), None)
            # A formula column computes its values: a file's column never goes into it.
            computed = field is not None and field.widget.column_type == "formula"
            matched.append(None if computed else field)
        return matched

    def export_keys(self) -> list[str]:
        """The cell keys (column ids) of the export, in column order: what each
        row's cell list holds (sheets/io/export.py), position by position."""
        return [f.attribute for f in self.get_export_fields()]

    def rows_renderer(
        self, *, force_native_type: bool = False
    ) -> Callable[[list[list]], Iterable[tuple]]:
        """A function from a chunk of rows' cells (each a list in
        `export_keys` order, None for an empty cell) to their export rows: each
        field's `widget.render`, done column by column (`render_column`) so an
        export of 100,000 rows does not pay `export_resource`'s per-row lookups
        and per-cell calls."""
        renderers = [f.widget.render_column for f in self.get_export_fields()]
        if not renderers:
            return lambda chunk: [()] * len(chunk)

        def render(chunk: list[list]) -> Iterable[tuple]:
            if not chunk:
                return []
            # Transposed at C speed: one list per column, then back to rows.
            rendered = [
                r(list(column), force_native_type=force_native_type)
                for r, column in zip(renderers, zip(*chunk, strict=True), strict=True)
            ]
            return zip(*rendered, strict=True)

        return render
