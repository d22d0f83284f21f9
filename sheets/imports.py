"""What a file holds and how it will land: the preview of an import.

`analyse(table, columns=...)` reads a whole file once (sheets/tabular.py does
the reading) and says how its headers map to the sheet's columns (or which
columns a new sheet gets, with their types), what was fixed, the first rows as
they will land, and every row-level error. `data_rows` is the same row
normalisation for the import itself. Jobs and runners: sheets/import_jobs.py.
"""

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sheets import values
from sheets.models import Column
from sheets.resources import SheetResource, header_key, unescape_formula
from sheets.tabular import DELIMITERS, FileRefused, Table

PREVIEW_ROWS = 10
MAX_LISTED_ERRORS = 500


# --- Rows as they come out of a file.


@dataclass
class RowStats:
    padded: int = 0
    trimmed: int = 0
    dropped_empty: int = 0
    escaped: set[int] = field(default_factory=set)  # columns where a `'` escape was read


def normalise_headers(header: list[str]) -> tuple[list[str], list[str]]:
    """Column names from a header row: trailing empty cells dropped, empty
    names and duplicates renamed (with a warning each)."""
    header = list(header)
    while header and not header[-1].strip():
        header.pop()
    names: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(header, 1):
        name = " ".join(unescape_formula(raw).split())[:100]
        if not name:
            name = f"Column {index}"
            warnings.append(f"Column {index} has no header: named “{name}”.")
        base, n = name, 2
        while header_key(name) in seen:
            name = f"{base} ({n})"
            n += 1
        if name != base:
            warnings.append(f"Header “{base}” appears twice: the second is “{name}”.")
        seen.add(header_key(name))
        names.append(name)
    return names, warnings


_quoted = operator.methodcaller("startswith", "'")


def data_rows(
    records: Iterator[list[str]],
    width: int,
    stats: RowStats,
    on_error: Callable[[int, str, str], None],
) -> Iterator[list[str]]:
    """The data rows after the header, each exactly `width` cells: short rows
    padded, empty cells past the header dropped, `'`-escapes read, empty rows
    at the end dropped. A row with values past the header is an error."""
    empty_run = 0
    for number, record in enumerate(records, 2):
        if len(record) > width:
            if any(record[width:]):
                on_error(
                    number,
                    "",
                    f"The row has {len(record)} values but the header names {width} columns.",
                )
            stats.trimmed += 1
            del record[width:]
        elif len(record) < width:
            if record and any(record):
                stats.padded += 1
            record.extend([""] * (width - len(record)))
        if any(map(_quoted, record)):  # rare: looked for at C speed first
            for index, cell in enumerate(record):
                plain = unescape_formula(cell)
                if plain is not cell:
                    record[index] = plain
                    stats.escaped.add(index)
        if not any(record):
            empty_run += 1
            continue
        for _ in range(empty_run):
            yield [""] * width
        empty_run = 0
        yield record
    stats.dropped_empty = empty_run


# --- What a new column's values look like.


class TypeGuess:
    """Infers a new column's type from its non-empty values: number, date,
    checkbox (true/false), else text. Leading zeros keep a value text."""

    def __init__(self) -> None:
        self.candidates = {"number", "date", "checkbox"}
        self.seen = False

    def feed(self, text: str) -> None:
        self.seen = True
        if not self.candidates:
            return
        if "number" in self.candidates and not _plain_number(text):
            self.candidates.discard("number")
        if "date" in self.candidates and not _iso_date(text):
            self.candidates.discard("date")
        if "checkbox" in self.candidates and text.lower() not in ("true", "false"):
            self.candidates.discard("checkbox")

    def force_text(self) -> None:
        self.candidates.clear()

    @property
    def type(self) -> str:
        if self.seen:
            for kind in ("number", "date", "checkbox"):
                if kind in self.candidates:
                    return kind
        return "text"


def _plain_number(text: str) -> bool:
    digits = text[1:] if text[:1] == "-" else text
    if len(digits) > 1 and digits[0] == "0" and digits[1] != ".":
        return False  # 007, a code: stays text
    try:
        values.clean_number(text)
    except values.InvalidValue:
        return False
    return text.strip() == text and text[:1] != "+" and text[:1] != "."


def _iso_date(text: str) -> bool:
    try:
        return values.clean_date(text) == text
    except values.InvalidValue:
        return False


def display(stored: Any) -> str:
    """A cleaned value as the grid shows it."""
    if stored is None:
        return ""
    if isinstance(stored, bool):
        return "true" if stored else "false"
    if isinstance(stored, int | float):
        return values.format_number(stored)
    return stored


# --- The preview.


def analyse(
    table: Table, *, columns: list[Column] | None, progress: Callable[[int, int], None]
) -> dict:
    """Read the whole file once: the mapping, the new columns' types, the
    first rows as they will land, every row error. Raises FileRefused."""
    records = table.records()
    header = next(records, None)
    if header is None:
        raise FileRefused("The file is empty.")
    names, warnings = normalise_headers(header)
    if not names:
        raise FileRefused("The first row, the header, is empty.")
    width = len(names)
    new_sheet = columns is None
    errors: list[dict] = []
    error_count = 0

    def on_error(number: int, column: str, message: str) -> None:
        nonlocal error_count
        error_count += 1
        if len(errors) < MAX_LISTED_ERRORS:
            errors.append({"row": number, "column": column, "message": message})

    if new_sheet:
        fields: list[Any] = [None] * width
        guesses = [TypeGuess() for _ in names]
    else:
        fields = SheetResource(columns).match_headers(names)
        skipped = [n for n, f in zip(names, fields, strict=True) if f is None]
        if skipped:
            warnings.append(
                "Not columns of this sheet, so not imported: "
                + ", ".join(f"“{n}”" for n in skipped)
                + "."
            )
    stats = RowStats()
    sample: list[list[str]] = []
    count = 0
    for cells in data_rows(records, width, stats, on_error):
        count += 1
        if len(sample) < PREVIEW_ROWS:
            sample.append(list(cells))
        if new_sheet:
            for guess, cell in zip(guesses, cells, strict=True):
                if cell:
                    guess.feed(cell)
        else:
            for f, cell in zip(fields, cells, strict=True):
                if f is not None and cell:
                    try:
                        f.widget.clean(cell)
                    except values.InvalidValue as exc:
                        on_error(count + 1, f.column_name, exc.message)
        if not count % 5000:
            progress(table.position, table.size)
    if not new_sheet and not any(fields):
        # Said after reading the whole file: a broken file is reported as broken.
        raise FileRefused(
            "None of the file's headers ("
            + ", ".join(f"“{n}”" for n in names[:10])
            + ") is the name of a column of this sheet."
        )
    for index in stats.escaped:
        if new_sheet:
            guesses[index].force_text()
    warnings.extend(_row_warnings(stats))

    if new_sheet:
        targets = [{"name": n, "type": g.type} for n, g in zip(names, guesses, strict=True)]
        resource = SheetResource({"id": str(i), **t} for i, t in enumerate(targets))
        fields = list(resource.fields.values())
    else:
        targets = [{"id": f.attribute} if f is not None else None for f in fields]
    mapping = []
    for index, (name, f) in enumerate(zip(names, fields, strict=True)):
        mapping.append(
            {
                "header": name,
                "column": f.column_name if f is not None else None,
                "type": f.widget.column_type if f is not None else None,
                "new": new_sheet,
                "index": index,
            }
        )
    landed = [m for m in mapping if m["column"] is not None]
    return {
        "kind": table.kind,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "delimiter_name": DELIMITERS.get(table.delimiter, ""),
        "sniffed": table.sniffed,
        "warnings": table.warnings + warnings,
        "mapping": mapping,
        "columns": [m["column"] for m in landed],
        "rows": [
            [_preview_cell(fields[m["index"]], r[m["index"]]) for m in landed] for r in sample
        ],
        "row_count": count,
        "errors": errors,
        "error_count": error_count,
        "targets": targets,
        "width": width,
    }


def _preview_cell(f: Any, cell: str) -> str:
    try:
        return display(f.widget.clean(cell))
    except values.InvalidValue:
        return cell


def _row_warnings(stats: RowStats) -> list[str]:
    out = []
    if stats.padded:
        out.append(f"{stats.padded:,} row(s) had fewer values than the header: padded.")
    if stats.trimmed:
        out.append(f"{stats.trimmed:,} row(s) had empty cells past the header: dropped.")
    if stats.dropped_empty:
        out.append(f"{stats.dropped_empty:,} empty row(s) at the end: dropped.")
    if stats.escaped:
        out.append("Values written as '=… (escaped by an export) are read without the quote.")
    return out
