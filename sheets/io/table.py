"""A file being read: `Table.records()` yields its records as lists of
strings, header first, enforcing the limits as it goes. How to read it (kind,
encoding, delimiter, decimal mark) was decided by `open_table`
(sheets/io/reading.py). A file that cannot be read raises `FileRefused` with a
message for the page.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from proj.text import refusal
from sheets import values


class FileRefused(Exception):
    """The file cannot be imported; `message` says why, for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str = ""  # for people: "UTF-8", "Windows-1252", ...
    codec: str = ""
    delimiter: str = ""
    sniffed: bool = False
    decimal_mark: str = "."  # how the file writes numbers: 1.5 or 1,5 (then 1.234,5)
    decimal_sniffed: bool = False
    warnings: list[str] = field(default_factory=list)
    size: int = 0
    # Bytes read so far by records() (CSV): the progress of a pass over the file.
    position: int = 0

    def records(self) -> Iterator[list[str]]:
        raw = self._csv_records() if self.kind == "csv" else self._xlsx_records()
        return _limited(raw)

    def _csv_records(self) -> Iterator[list[str]]:
        number = 0
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.codec, errors="strict", newline="")
            reader = csv.reader(text, delimiter=self.delimiter, quotechar='"', strict=True)
            try:
                for number, record in enumerate(reader, 1):
                    if not number % 1000:
                        self.position = raw.tell()
                    yield record
            except csv.Error as exc:
                raise FileRefused(_csv_error(str(exc), number + 1)) from None
            except UnicodeDecodeError:
                raise FileRefused(f"The file is not valid {self.encoding} text.") from None
        self.position = self.size

    def _xlsx_records(self) -> Iterator[list[str]]:
        import openpyxl

        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise FileRefused("The XLSX file is damaged and cannot be read.") from exc
        try:
            sheet = book.worksheets[0]
            # Rows as the file holds them, not padded to the size the file
            # claims (a tiny file claiming 16,384 columns must stay cheap).
            sheet.reset_dimensions()
            for row in sheet.iter_rows(values_only=True):
                cells = [_xlsx_text(v) for v in row]
                while cells and cells[-1] == "":
                    cells.pop()
                yield cells
        except FileRefused:
            raise
        except Exception as exc:
            raise FileRefused("The XLSX file is damaged and cannot be read.") from exc
        finally:
            book.close()


def _csv_error(message: str, number: int) -> str:
    if "unexpected end of data" in message or "newline inside string" in message:
        return f'Row {number}: a quoted value is never closed (a “"” is missing).'
    if "expected after" in message:
        return f"Row {number}: text follows a closing quote; quote the whole value."
    if "field larger than field limit" in message:
        return (
            f"Row {number}: a value is longer than {settings.MAX_CELL_CHARS:,} characters, "
            "or a quote is never closed."
        )
    if "NUL" in message:
        return "The file contains NUL characters: it is binary data, not text."
    return f"Row {number}: the file is not valid CSV ({message})."


# --- XLSX cells as text.


_XLSX_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xlsx_unescape(text: str) -> str:
    """Read OOXML's `_xHHHH_` escapes (Excel writes a CR as `_x000D_`)."""
    if "_x" not in text:
        return text
    return _XLSX_UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _xlsx_text(value: Any) -> str:
    """A cell of a workbook as the text a CSV would hold for it."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = xlsx_unescape(value)
        # An `_x0000_` or `_xD800_` escape: no cell, nor the database, holds one.
        if message := refusal(text, "A cell of the workbook"):
            raise FileRefused(message)
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return values.format_number(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


# --- Limits, for both kinds.


def _limited(records: Iterator[list[str]]) -> Iterator[list[str]]:
    max_rows = settings.MAX_ROWS_PER_SHEET + 1  # and the header
    max_columns = settings.MAX_COLUMNS_PER_SHEET
    max_cell = settings.MAX_CELL_CHARS
    max_row = settings.IMPORT_MAX_ROW_CHARS
    for number, record in enumerate(records, 1):
        if number > max_rows:
            raise FileRefused(
                f"The file has more than {max_rows - 1:,} rows, the most a sheet holds."
            )
        if len(record) > max_columns:
            while record and record[-1] == "":
                record.pop()
            if len(record) > max_columns:
                raise FileRefused(
                    f"Row {number} has {len(record):,} values; "
                    f"a sheet holds at most {max_columns} columns."
                )
        total = sum(map(len, record))
        if total > max_cell:
            if total > max_row:
                raise FileRefused(
                    f"Row {number} holds {total:,} characters; the limit is {max_row:,}."
                )
            for index, cell in enumerate(record, 1):
                if len(cell) > max_cell:
                    raise FileRefused(
                        f"Row {number}, column {index}: a value of {len(cell):,} characters; "
                        f"the limit is {max_cell:,}."
                    )
        yield record
