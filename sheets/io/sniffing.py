"""How a CSV file is written, guessed from a sample of its start: its
delimiter and its decimal mark. Both are shown in the preview and can be
chosen instead (sheets/io/reading.py reads the file with them)."""

import csv
import io
import itertools
import re
from collections import Counter

from sheets import values

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DECIMAL_MARKS = {".": "point", ",": "comma"}
SAMPLE_RECORDS = 200


def sample_records(sample: str, delimiter: str, *, truncated: bool) -> list[list[str]]:
    """The sample's first non-empty records; a last record the sample cut off
    is left out. csv.Error if the sample does not parse."""
    if truncated and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    return [r for r in itertools.islice(reader, SAMPLE_RECORDS) if any(r)]


def sniff_delimiter(sample: str, *, truncated: bool = False) -> str | None:
    """The delimiter that splits the sample's records most consistently into
    the most fields (csv.Sniffer guesses wrong on short or ragged files)."""
    best, best_score = None, (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = sample_records(sample, delimiter, truncated=truncated)
        except csv.Error:
            continue
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, freq = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if width < 2:
            continue
        score = (freq / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_POINT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


def sniff_decimal_mark(records: list[list[str]]) -> str:
    """The comma when more of the records' numbers are written with a decimal
    comma (1,5 or 1.234,5) than with a decimal point (1.5; 12 and 1.234 could
    be either), else the point. Only asked of a file whose delimiter is not a
    comma: in a comma-separated file, a quoted "1,234" is a thousand and more."""
    comma = point = 0
    for record in records:
        for cell in record:
            cell = values.ungroup_spaces(cell)  # as the import reads it
            if values.COMMA_NUMBER_RE.match(cell):
                comma += "," in cell  # 12 and 1.234 fit either mark
            elif _POINT_DECIMAL.match(cell):
                point += 1
    return "," if comma > point else "."
