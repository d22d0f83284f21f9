"""Reading an uploaded CSV or XLSX file: hostile or broken files are refused,
merely messy ones are read anyway, and what was worked around is said.

`open_table(path, filename=..., delimiter=None, decimal_mark=None)` looks at
the file (kind, encoding, delimiter, decimal mark: sheets/io/sniffing.py) and
returns a `Table` (sheets/io/table.py), whose `records()` yields its records
as lists of strings, header first, enforcing the limits as it goes.
A refusal raises `FileRefused` with a message for the page; nothing is ever
written by this module.
"""

import codecs
import csv
import itertools
import zipfile
from pathlib import Path

from django.conf import settings

from sheets.io.sniffing import (
    DECIMAL_MARKS,
    DELIMITERS,
    sample_records,
    sniff_decimal_mark,
    sniff_delimiter,
)
from sheets.io.table import FileRefused, Table

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024
# A file whose sample has more control characters than this is not text.
MAX_CONTROL_RATIO = 0.01
_CONTROL = frozenset(chr(c) for c in itertools.chain(range(0, 9), range(11, 13), range(14, 32)))

# Signatures of common binary formats, refused before any encoding is tried
# (the Latin-1 fallback would otherwise "decode" anything).
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program",
    b"PK\x03\x04": "a zip archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"\xd0\xcf\x11\xe0": "an old-style Office file (.xls): save it as .xlsx or CSV",
}
_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE with BOM"),
]


def open_table(
    path: Path, *, filename: str, delimiter: str | None = None, decimal_mark: str | None = None
) -> Table:
    """Look at the file and decide how to read it, or refuse it."""
    size = path.stat().st_size
    if size > settings.MAX_UPLOAD_BYTES:
        raise FileRefused(
            f"The file is {_mib(size)}; the limit is {_mib(settings.MAX_UPLOAD_BYTES)}."
        )
    if size == 0:
        raise FileRefused("The file is empty.")
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04") and _is_workbook(path):
        return _open_xlsx(path, size)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileRefused("The file is not a valid XLSX workbook.")
    return _open_csv(path, size, head, delimiter, decimal_mark)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):,.1f} MiB"


# --- CSV: encoding, binary data, delimiter, decimal mark.


def _open_csv(
    path: Path, size: int, head: bytes, delimiter: str | None, decimal_mark: str | None
) -> Table:
    table = Table(path=path, kind="csv", size=size)
    codec, label = _unicode_by_bom(head)
    if codec is None:
        codec, label = _utf16_without_bom(head)
        if codec is not None:
            table.warnings.append(f"The file has no byte-order mark; read as {label}.")
    if codec is None:
        _refuse_binary(head)
        codec, label = _eight_bit_encoding(path, table.warnings)
    else:
        _validate(path, codec, label)
    table.codec, table.encoding = codec, label
    sample = codecs.getincrementaldecoder(codec)("ignore").decode(head, final=size <= len(head))
    if _control_ratio(sample) > MAX_CONTROL_RATIO:
        raise FileRefused("The file contains binary data, not text.")
    if delimiter:
        if delimiter not in DELIMITERS:
            raise FileRefused("Choose comma, semicolon, tab or pipe as the delimiter.")
        table.delimiter = delimiter
    else:
        table.delimiter = sniff_delimiter(sample, truncated=size > len(head)) or ","
        table.sniffed = True
    if decimal_mark:
        if decimal_mark not in DECIMAL_MARKS:
            raise FileRefused("Choose point or comma as the decimal mark.")
        table.decimal_mark = decimal_mark
    else:
        table.decimal_sniffed = True
        if table.delimiter != ",":  # a comma-separated file writes 1.5
            try:
                records = sample_records(sample, table.delimiter, truncated=size > len(head))
            except csv.Error:
                records = []  # the reading will say what is wrong
            table.decimal_mark = sniff_decimal_mark(records)
    return table


def _unicode_by_bom(head: bytes) -> tuple[str | None, str]:
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label
    return None, ""


def _utf16_without_bom(head: bytes) -> tuple[str | None, str]:
    """Mostly-ASCII UTF-16 has a NUL in every other byte."""
    pairs = len(head) // 2
    if pairs < 2:
        return None, ""
    even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    if odd > 0.3 * pairs and even < 0.05 * pairs:
        return "utf-16-le", "UTF-16 LE"
    if even > 0.3 * pairs and odd < 0.05 * pairs:
        return "utf-16-be", "UTF-16 BE"
    return None, ""


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    return sum(1 for c in text if c in _CONTROL) / len(text)


def _refuse_binary(head: bytes) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise FileRefused(f"This is {what}, not a CSV file.")
    if b"\x00" in head:
        raise FileRefused("The file contains NUL bytes: it is binary data, not text.")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13)) + head.count(127)
    if controls > MAX_CONTROL_RATIO * len(head):
        raise FileRefused("The file contains binary data, not text.")


def _validate(path: Path, codec: str, label: str) -> None:
    """The whole file decodes as `codec` and holds no NUL (UnicodeDecodeError if not)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
                if "\x00" in decoder.decode(chunk):
                    raise FileRefused(
                        "The file contains NUL characters: it is binary data, not text."
                    )
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRefused(f"The file is not valid {label} text.") from None


def _eight_bit_encoding(path: Path, warnings: list[str]) -> tuple[str, str]:
    """UTF-8 when the whole file is valid UTF-8, else Windows-1252, else Latin-1."""
    try:
        _validate_bytes(path, "utf-8")
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        _validate_bytes(path, "cp1252")
        warnings.append("The file is not UTF-8: read as Windows-1252.")
        return "cp1252", "Windows-1252"
    except UnicodeDecodeError:
        warnings.append("The file is not UTF-8: read as Latin-1 (ISO-8859-1).")
        return "latin-1", "Latin-1"


def _validate_bytes(path: Path, codec: str) -> None:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK_BYTES), b""):
            if b"\x00" in chunk:
                raise FileRefused("The file contains NUL bytes: it is binary data, not text.")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)


# --- XLSX: a zip file, checked before openpyxl opens it.


def _is_workbook(path: Path) -> bool:
    """A zip that holds a workbook; refused if it is damaged or a zip bomb."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused("The file is a damaged zip archive, not a readable XLSX.") from None
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise FileRefused("This is a zip archive, not an XLSX workbook.")
    if len(members) > 10_000:
        raise FileRefused("The workbook has too many parts.")
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    limit = settings.IMPORT_MAX_XLSX_UNPACKED_BYTES
    if unpacked > limit:
        raise FileRefused(
            f"The workbook would unpack to {_mib(unpacked)}; the limit is {_mib(limit)}."
        )
    ratio = settings.IMPORT_MAX_XLSX_RATIO
    big = [m for m in members if m.file_size > 1024 * 1024]
    if any(m.file_size > ratio * max(m.compress_size, 1) for m in big) or (
        unpacked > 1024 * 1024 and unpacked > ratio * max(packed, 1)
    ):
        raise FileRefused(
            f"The workbook is compressed more than {ratio}:1, like a zip bomb: refused."
        )
    return True


def _open_xlsx(path: Path, size: int) -> Table:
    import openpyxl

    table = Table(path=path, kind="xlsx", size=size, encoding="XLSX")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise FileRefused("The XLSX file is damaged and cannot be read.") from exc
    try:
        names = book.sheetnames
    finally:
        book.close()
    if not names:
        raise FileRefused("The workbook has no sheets.")
    if len(names) > 1:
        table.warnings.append(
            f"Only the first sheet, “{names[0]}”, is imported (the file has {len(names)})."
        )
    return table
