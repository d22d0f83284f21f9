"""A file's rows made ready for the sheet, a batch at a time: cleaned column by
column by the sheet's Resource fields (sheets/io/resources.py, i.e.
sheets/values.py), then encoded as the `Row.values` text the import stores.
The preview (sheets/io/preview.py) and the writer (sheets/io/writer.py) both
use these, so the rows the preview keeps are exactly those the writer would
write. Nothing here writes.
"""

import json
from collections.abc import Iterable
from typing import Any

from sheets import values

BATCH_ROWS = 2000

_encode_text = json.encoder.encode_basestring  # json's own (in C) for ensure_ascii=False
# Each type's stored values as json writes them: numbers are int or float (json
# uses their repr), text and dates str, checkboxes bool.
_ENCODERS = {
    "text": _encode_text,
    "date": _encode_text,
    "number": repr,
    "checkbox": {True: "true", False: "false"}.__getitem__,
}


def clean_columns(
    batch: list[list[str]], cleaners: list[tuple[int, Any]], numbers: list[int]
) -> tuple[list[tuple[str, str, list[Any]]], list[dict]]:
    """The stored values of a batch of rows, column by column: (column id,
    type, each row's stored value or values.EMPTY) per (position, Resource
    field) of `cleaners`, and the errors, each with its row's number in the
    file (`numbers`, side by side with `batch`); a bad value's cell is
    values.EMPTY. Each column is cleaned at once by its
    field's widget (sheets/values.py underneath); only a column with a bad
    value is gone through again value by value, for the errors."""
    out: list[tuple[str, str, list[Any]]] = []
    errors: list[dict] = []
    empty = values.EMPTY
    for index, field in cleaners:
        column = [row[index] for row in batch]
        clean = field.widget.cleaner
        try:
            stored = field.widget.clean_column(column)
        except ValueError:
            stored = []
            for number, value in zip(numbers, column, strict=True):
                try:
                    stored.append(clean(value))
                except ValueError as exc:
                    stored.append(empty)
                    message = getattr(exc, "message", str(exc))
                    errors.append({"row": number, "column": field.column_name, "message": message})
        out.append((field.attribute, field.widget.column_type, stored))
    return out, errors


def encode_rows(count: int, columns: Iterable[tuple[str, str, list[Any]]]) -> list[str]:
    """The `Row.values` JSON of `count` rows, given their cells column by
    column: (column id, column type, each row's stored value or values.EMPTY).
    The one encoding of imported rows: the preview's row cache and the import
    both use it, so a cached row is exactly the text the import would write.

    The text is what `json.dumps(cells, ensure_ascii=False, separators=(",",
    ":"))` gives for a row's cells as a dict, put together column by column
    from json's own encoders: faster than building 100,000 dicts to encode."""
    pieces = []
    empty = values.EMPTY
    for key, column_type, stored in columns:
        prefix = _encode_text(key) + ":"
        encode = _ENCODERS[column_type]
        pieces.append([None if v is empty else prefix + encode(v) for v in stored])
    if not pieces:
        return ["{}"] * count
    return ["{" + ",".join(filter(None, row)) + "}" for row in zip(*pieces, strict=True)]
