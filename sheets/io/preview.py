"""What a file holds and how it will land: the preview of an import.

`analyse(table, columns=...)` reads a whole file once (sheets/io/reading.py does
the reading) and says how its headers map to the sheet's columns (or which
columns a new sheet gets, with their types: sheets/io/inference.py), what was
fixed, the first rows as they will land, and every row-level error. A file
without errors also leaves its rows, cleaned and encoded, for the import
(sheets/io/preview_cache.py). `data_rows` is the same row normalisation for an
import that has to read the file again. Jobs and runners: sheets/io/jobs.py.
"""

import itertools
import operator
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sheets import values
from sheets.io.cleaning import BATCH_ROWS, clean_columns, encode_rows
from sheets.io.inference import NewColumns, TypeGuess
from sheets.io.preview_cache import RowCache, fingerprint, mark_bad
from sheets.io.resources import SheetResource, header_key, unescape_formula
from sheets.io.skipped import SkippedRows, reasons_by_row
from sheets.io.sniffing import DECIMAL_MARKS, DELIMITERS
from sheets.io.table import FileRefused, Table
from sheets.models import Column

PREVIEW_ROWS = 10
MAX_LISTED_ERRORS = 500


# --- Rows as they come out of a file.


@dataclass
class RowStats:
    padded: int = 0
    trimmed: int = 0
    blank: int = 0
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

# A data row: its number in the file (the header is row 1) and its cells.
NumberedRow = tuple[int, list[str]]


def data_rows(
    records: Iterator[list[str]],
    width: int,
    stats: RowStats,
    on_error: Callable[[int, str, str], None],
) -> Iterator[NumberedRow]:
    """The data rows after the header, numbered as in the file, each exactly
    `width` cells: short rows padded, empty cells past the header dropped,
    `'`-escapes read, blank rows dropped (a quoted line break, LF or CR LF,
    stays as written). A row with values past the header is an error (then trimmed)."""
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
        if not any(record):
            stats.blank += 1
            continue
        if any(map(_quoted, record)):  # rare: looked for at C speed first
            for index, cell in enumerate(record):
                plain = unescape_formula(cell)
                if plain is not cell:
                    record[index] = plain
                    stats.escaped.add(index)
        yield number, record


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
    table: Table,
    *,
    columns: list[Column] | None,
    progress: Callable[[int, int], None],
    keep: RowCache | None = None,
    skipped: Callable[[list[str]], SkippedRows] | None = None,
) -> dict:
    """Read the whole file once: the mapping, the new columns' types, the
    first rows as they will land, every row error. Raises FileRefused.

    With `keep`, the file's rows are left there, cleaned and encoded for
    the import (sheets/io/preview_cache.py), a row with an error marked (its
    bad cells empty), so the import can skip it or keep it; the preview's
    "cache" describes them. With `skipped` (given the header), the rows with
    an error are also written out for the user (sheets/io/skipped.py). A new
    sheet's columns get their ids here, so those rows can be keyed by them;
    headers an existing sheet does not have get a type guessed, to offer
    them as new columns."""
    records = table.records()
    names, warnings = _header(records)
    width = len(names)
    new_sheet = columns is None
    errors = _Errors()
    extra: dict[int, TypeGuess] = {}
    if new_sheet:
        new_columns = NewColumns(names, table.decimal_mark)
    else:
        fields = _match_headers(names, columns, table.decimal_mark, warnings)
        cleaners = [(i, f) for i, f in enumerate(fields) if f is not None]
        extra = {i: TypeGuess(table.decimal_mark) for i, f in enumerate(fields) if f is None}
    bad_rows = skipped(names) if skipped is not None else None
    stats = RowStats()
    sample: list[list[str]] = []
    sample_numbers: list[int] = []
    count = bad_count = 0
    rows = data_rows(records, width, stats, errors.add)
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        numbers = [number for number, _ in batch]
        cells = [row for _, row in batch]
        if len(sample) < PREVIEW_ROWS:
            sample_numbers.extend(numbers[: PREVIEW_ROWS - len(sample)])
            sample.extend(list(r) for r in cells[: PREVIEW_ROWS - len(sample)])
        if new_sheet:
            cleaned = new_columns.clean(cells, stats.escaped)
        else:
            cleaned, bad = clean_columns(cells, cleaners, numbers)
            errors.batch.extend(bad)
            for index, guess in extra.items():
                guess.clean_column([row[index] for row in cells])
        reasons = reasons_by_row(errors.end_batch())
        bad_count += len(reasons)
        if reasons and bad_rows is not None:
            bad_rows.add(numbers, cells, reasons)
        if keep is not None and keep.active:
            if new_sheet and new_columns.invalid:
                keep.discard()  # the import will be refused: nothing to keep
            else:
                keep.write(mark_bad(encode_rows(len(cells), cleaned), numbers, reasons))
        count += len(batch)
        progress(table.position, table.size)
    if not new_sheet and not any(fields):
        warnings.append(_no_column_matches(names))
    warnings.extend(_row_warnings(stats))

    if new_sheet:
        targets, fields = _new_targets(new_columns, stats, table.decimal_mark)
        cache_columns = fingerprint((t["id"], t["type"]) for t in targets)
    else:
        targets = [{"id": f.attribute} if f is not None else None for f in fields]
        cache_columns = fingerprint(
            (f.attribute, f.widget.column_type) if f is not None else None for f in fields
        )
    if table.decimal_mark == "," and table.decimal_sniffed:
        if new_sheet and not any(t["type"] == "number" for t in targets):
            warnings.append("Numbers would be read with a decimal comma (1.234,5): none found.")
        else:
            warnings.append("Numbers are written with a decimal comma (1.234,5): read as numbers.")
    cache = None
    if keep is not None:
        if keep.active and new_sheet and not new_columns.kept_as_typed():
            # Rare: a column turned text after some of its values were kept
            # as numbers or checkboxes: keep the rows again, typed.
            keep.restart()
            _keep_again(table, width, list(enumerate(fields)), keep, progress)
        cache = keep.finish(cache_columns)
        if cache is not None:
            cache["bad_rows"] = bad_count
    preview = _preview(table, names, fields, new_sheet=new_sheet, warnings=warnings)
    for index, guess in extra.items():
        if index in stats.escaped:
            guess.force_text()  # as a new sheet's column: an escaped value is text
        preview["mapping"][index]["suggested"] = guess.type
    return preview | {
        "id": uuid.uuid4().hex,  # a confirm form names the preview it was made from
        "rows": _sample_rows(fields, sample),
        "row_numbers": sample_numbers,  # in the file: blank lines are not rows
        "row_count": count,
        "errors": errors.listed,
        "error_count": errors.count,
        "bad_row_count": bad_count,
        "skipped_listed": bad_rows.finish() if bad_rows is not None else 0,
        "targets": targets,
        "width": width,
        "cache": cache,
    }


def _new_targets(
    new_columns: NewColumns, stats: RowStats, decimal_mark: str
) -> tuple[list[dict], list[Any]]:
    """A new sheet's columns as the import creates them, and their fields."""
    targets = new_columns.targets(stats.escaped)
    return targets, list(SheetResource(targets, decimal_mark=decimal_mark).fields.values())


def _no_column_matches(names: list[str]) -> str:
    return (
        "None of the file's headers ("
        + ", ".join(f"“{n}”" for n in names[:10])
        + ") is the name of a column of this sheet: add them as new columns, "
        "or import another file."
    )


class _Errors:
    """Row errors: every one counted, the first MAX_LISTED_ERRORS listed, in
    row order within each batch."""

    def __init__(self) -> None:
        self.listed: list[dict] = []
        self.count = 0
        self.batch: list[dict] = []

    def add(self, number: int, column: str, message: str) -> None:
        self.batch.append({"row": number, "column": column, "message": message})

    def end_batch(self) -> list[dict]:
        """The batch's errors, in row order; counted and listed."""
        batch, self.batch = self.batch, []
        if batch:
            self.count += len(batch)
            batch.sort(key=operator.itemgetter("row"))  # stable: columns stay in order
            self.listed.extend(batch[: MAX_LISTED_ERRORS - len(self.listed)])
        return batch


def _header(records: Iterator[list[str]]) -> tuple[list[str], list[str]]:
    """The column names the header row gives, and the warnings about them."""
    header = next(records, None)
    if header is None:
        raise FileRefused("The file is empty.")
    names, warnings = normalise_headers(header)
    if not names:
        raise FileRefused("The first row, the header, is empty.")
    return names, warnings


def _match_headers(
    names: list[str], columns: list[Column], decimal_mark: str, warnings: list[str]
) -> list[Any]:
    """The sheet's field for each header (None: no such column, said in `warnings`)."""
    fields = SheetResource(columns, decimal_mark=decimal_mark).match_headers(names)
    skipped = [n for n, f in zip(names, fields, strict=True) if f is None]
    if skipped and any(fields):  # none matching is said once the file is read
        warnings.append(
            "Not columns of this sheet, so not imported unless added as new columns: "
            + ", ".join(f"“{n}”" for n in skipped)
            + "."
        )
    return fields


def _preview(
    table: Table, names: list[str], fields: list[Any], *, new_sheet: bool, warnings: list[str]
) -> dict:
    """How the file was read and where each of its columns goes."""
    mapping = [
        {
            "header": name,
            "column": f.column_name if f is not None else None,
            "type": f.widget.column_type if f is not None else None,
            "new": new_sheet,
            "index": index,
        }
        for index, (name, f) in enumerate(zip(names, fields, strict=True))
    ]
    return {
        "kind": table.kind,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "delimiter_name": DELIMITERS.get(table.delimiter, ""),
        "sniffed": table.sniffed,
        "decimal_mark": table.decimal_mark,
        "decimal_mark_name": DECIMAL_MARKS[table.decimal_mark],
        "decimal_sniffed": table.decimal_sniffed,
        "warnings": table.warnings + warnings,
        "mapping": mapping,
        "columns": [m["column"] for m in mapping if m["column"] is not None],
    }


def _sample_rows(fields: list[Any], sample: list[list[str]]) -> list[list[str]]:
    """The first rows as they will land: the values of the imported columns, cleaned."""
    landed = [i for i, f in enumerate(fields) if f is not None]
    return [[_preview_cell(fields[i], row[i]) for i in landed] for row in sample]


def _keep_again(
    table: Table,
    width: int,
    cleaners: list[tuple[int, Any]],
    keep: RowCache,
    progress: Callable[[int, int], None],
) -> None:
    """A second pass over a file already read: its rows, cleaned by the
    final columns, into `keep`, rows with an error marked as in the first
    pass (the bar stays full; the job is alive)."""
    problems: list[dict] = []
    records = table.records()
    next(records, None)  # the header
    add = lambda number, column, message: problems.append(  # noqa: E731
        {"row": number, "column": column, "message": message}
    )
    rows = data_rows(records, width, RowStats(), add)
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        numbers = [number for number, _ in batch]
        cells = [row for _, row in batch]
        cleaned, bad = clean_columns(cells, cleaners, numbers)
        reasons = reasons_by_row(problems + bad)
        problems.clear()
        keep.write(mark_bad(encode_rows(len(cells), cleaned), numbers, reasons))
        progress(table.size, table.size)


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
    if stats.blank:
        out.append(f"{stats.blank:,} blank row(s): not rows of the sheet, dropped.")
    if stats.escaped:
        out.append("Values written as '=… (escaped by an export) are read without the quote.")
    return out
