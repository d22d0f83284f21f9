"""Exports of a sheet: CSV streamed chunk by chunk, XLSX in openpyxl's
write-only mode. Both map and convert through the sheet's Resource
(sheets/io/resources.py), so headers are column names, values are in column
order, numbers stay numbers, dates are ISO 8601 and text that a spreadsheet
app would run as a formula is escaped with a leading `'`. A column's number
format (sheets/number_format.py) becomes the XLSX cells' number format; CSV
keeps the values as stored.

Memory stays flat: rows come from the database `CHUNK_ROWS` at a time
(`_cells`) and leave as soon as a chunk of bytes is ready. Under ASGI
(the embedded default) Django would read a synchronous iterator to the end
before sending anything, so there the rows are produced in a thread of their
own and handed over one chunk at a time.
"""

import asyncio
import codecs
import contextlib
import csv
import io
import json
import logging
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.core.handlers.asgi import ASGIRequest
from django.db import connection, connections, transaction
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from sheets import number_format
from sheets.io.resources import FORMULA_PREFIXES, SheetResource
from sheets.models import Column, Sheet

log = logging.getLogger(__name__)

CHUNK_ROWS = 5000
ROWS_PER_WRITE = 500
FILE_BLOCK = 256 * 1024
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _resource(sheet: Sheet) -> SheetResource:
    return SheetResource(sheet.columns.order_by("position"))


def _number_formats(columns: list[Column]) -> dict[int, dict]:
    """{position in the export: number format} of the columns whose numbers have one."""
    return {
        i: c.number_format
        for i, c in enumerate(columns)
        if c.number_format and number_format.applies_to(c.type, c.result_type)
    }


def _cells(sheet: Sheet, keys: list[str]) -> Iterator[list[list]]:
    """Each row's cells for `keys` (None where empty), in row order,
    `ROWS_PER_WRITE` rows at a time.

    Rows come from one cursor (server-side on PostgreSQL) `CHUNK_ROWS` at a
    time, and the next batch is fetched in a second thread while this one is
    rendered: PostgreSQL picks the cells and writes the text in its own
    process, so its share and ours overlap instead of adding up. On
    PostgreSQL the database lists each row's cells in column order (a short
    JSON array instead of an object keyed by 36-character column ids, so
    there is less to send and to decode); elsewhere the app picks them from
    the row's JSON. Either way a batch is decoded in one call: a converter
    and a decode call per row cost more than the decoding itself."""
    rows = sheet.rows.order_by("order")
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        # A function takes at most 100 arguments: arrays of 100 cells, joined.
        arrays = " || ".join(
            "jsonb_build_array(" + ", ".join(['"values" -> %s'] * len(keys[i : i + 100])) + ")"
            for i in range(0, max(len(keys), 1), 100)
        )
        texts = rows.annotate(text=RawSQL(f"({arrays})::text", keys))
    else:
        texts = rows.annotate(text=Cast("values", TextField()))
    sql, params = texts.values_list("text").query.sql_with_params()
    # Outside a transaction PostgreSQL declares the cursor WITH HOLD and makes
    # every row before handing back the first; inside one it makes them as
    # they are fetched. (Not on SQLite: its transactions take the write lock.)
    snapshot = transaction.atomic() if on_postgresql else contextlib.nullcontext()
    with snapshot, connection.chunked_cursor() as cursor, ThreadPoolExecutor(1) as reader:
        cursor.execute(sql, params)
        batch = reader.submit(cursor.fetchmany, CHUNK_ROWS)
        while fetched := batch.result():
            batch = reader.submit(cursor.fetchmany, CHUNK_ROWS)
            for start in range(0, len(fetched), ROWS_PER_WRITE):
                part = [text for (text,) in fetched[start : start + ROWS_PER_WRITE]]
                decoded = json.loads("[" + ",".join(part) + "]")
                if on_postgresql:
                    yield decoded
                else:
                    yield [list(map(cells.get, keys)) for cells in decoded]


def csv_chunks(sheet: Sheet) -> Iterator[bytes]:
    """The sheet as CSV (UTF-8 with a BOM, so spreadsheet apps read it as
    UTF-8; RFC 4180 quoting and CRLF line ends), a chunk of rows at a time."""
    resource = _resource(sheet)
    render = resource.rows_renderer()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(resource.get_export_headers())
    yield codecs.BOM_UTF8 + buffer.getvalue().encode()
    for chunk in _cells(sheet, resource.export_keys()):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(render(chunk))
        yield buffer.getvalue().encode()


def _writes_cr() -> bool:
    """Whether openpyxl writes through lxml, which keeps a CR as `&#13;`."""
    import openpyxl

    return bool(openpyxl.LXML)


# XLSX sheet names: at most 31 characters, none of []:*?/\
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def xlsx_file(sheet: Sheet):
    """The sheet as an XLSX workbook in a temporary file (deleted when
    closed), read from the start. Numbers, dates and checkboxes are native
    cells, numbers in the number format of their column; text is text,
    exactly as typed (no `'` in front: see `_text_cell`); the header row is
    bold."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    columns = list(sheet.columns.order_by("position"))
    resource = SheetResource(columns)  # the columns read once: the formats match them
    render = resource.rows_renderer(force_native_type=True)
    book = Workbook(write_only=True)
    page = book.create_sheet(title=_SHEET_NAME_BAD.sub(" ", sheet.title)[:31].strip() or "Sheet")

    def text_cell(text: str, **style) -> WriteOnlyCell:
        return _text_cell(WriteOnlyCell(page, value=xlsx_escape(text)), style)

    formats = _number_formats(columns)

    def number_cell(fmt: dict, value: float) -> WriteOnlyCell:
        cell = WriteOnlyCell(page, value=value)
        cell.number_format = number_format.excel_format(fmt, value)
        return cell

    def cells(row: list) -> list:
        out = [
            (text_cell(v) if v and v[0] in FORMULA_PREFIXES else xlsx_escape(v))
            if v.__class__ is str
            else v
            for v in row
        ]
        for i, fmt in formats.items():
            # A formula's error is its code (text) and a checkbox a bool: no number format.
            if out[i].__class__ in (int, float):
                out[i] = number_cell(fmt, out[i])
        return out

    bold = Font(bold=True)
    try:
        page.append([text_cell(f.column_name, font=bold) for f in resource.get_export_fields()])
        for chunk in _cells(sheet, resource.export_keys()):
            for row in render(chunk):
                page.append(cells(row))
    except BaseException:
        _discard(page)
        raise
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def _text_cell(cell, style: dict):
    """A string cell that stays text. openpyxl would store a string that
    begins with `=` as a formula; a string cell is never one, so it is
    written as the string it is. Text a spreadsheet app would run as a
    formula if it were typed in (=, +, -, @, ...) also gets the quote-prefix
    style, the app's own "this is text" mark, so editing the cell there keeps
    it text."""
    cell.data_type = "s"
    if cell.value and cell.value[0] in FORMULA_PREFIXES:
        cell.quotePrefix = True
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


def _discard(page) -> None:
    """A write-only sheet given up part-way: its writer closed and its
    temporary file removed now (openpyxl would keep the file until the
    process exits, and complain when the writer is collected)."""
    with contextlib.suppress(Exception):
        page.close()
    writer = page._writer  # openpyxl's; `save` would remove its file the same way
    if writer is not None:
        with contextlib.suppress(Exception):
            writer.cleanup()


# Characters XML 1.0 cannot hold, and an underscore that would read as the
# start of an escape. A CR is written as itself: lxml, which openpyxl writes
# with (requirements.txt), writes it as `&#13;`, which every reader reads
# back as the CR it is (a raw CR would read as LF); `_x000D_` is read as a CR
# only by Excel and our import, others show the escape.
_XLSX_ESCAPE = re.compile(
    r"[\x01-\x08\x0b\x0c\x0e-\x1f]|_(?=x[0-9A-Fa-f]{4}_)"
    if _writes_cr()
    else r"[\x01-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)"
)


def xlsx_escape(text: str) -> str:
    """OOXML's own escape for such characters, `_xHHHH_`, as Excel writes it
    (sheets/io/table.py reads it back): a control character survives."""
    if _XLSX_ESCAPE.search(text) is None:
        return text
    return _XLSX_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _file_chunks(file) -> Iterator[bytes]:
    with file:
        while block := file.read(FILE_BLOCK):
            yield block


def filename(sheet: Sheet, extension: str) -> str:
    return f"{slugify(sheet.title) or 'sheet'}.{extension}"


def download(
    request: HttpRequest,
    chunks: Callable[[], Iterator[bytes]],
    *,
    content_type: str,
    name: str,
    sheet_id: int,
) -> StreamingHttpResponse:
    """A download of sheet `sheet_id` streamed from `chunks()`, in constant
    memory under WSGI and ASGI alike. A failure part-way ends the stream
    (`_ending_cleanly`)."""

    def guarded() -> Iterator[bytes]:
        return _ending_cleanly(chunks, sheet_id)

    content = _in_own_thread(guarded) if isinstance(request, ASGIRequest) else guarded()
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


def _ending_cleanly(chunks: Callable[[], Iterator[bytes]], sheet_id: int) -> Iterator[bytes]:
    """`chunks()`, except that an error ends the stream instead of leaving it.
    Once the response has begun no error page can follow, and an exception out
    of a started response leaves the ASGI server unable to clean up crashed
    connections in that process. The download is cut short and the failure
    logged; the client never waits for the rest."""
    try:
        yield from chunks()
    except Exception:
        log.exception("The export of sheet %s failed; its download was cut short.", sheet_id)


async def _in_own_thread(chunks: Callable[[], Iterator[bytes]]) -> AsyncIterator[bytes]:
    """Run a synchronous chunk generator in one dedicated thread (its database
    cursor belongs to that thread's connection) and hand the chunks over."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
    loop = asyncio.get_running_loop()
    done = object()
    iterator = None
    try:
        iterator = await loop.run_in_executor(executor, chunks)
        while (chunk := await loop.run_in_executor(executor, next, iterator, done)) is not done:
            yield chunk
    finally:
        await loop.run_in_executor(executor, _finish, iterator)
        executor.shutdown(wait=False)


def _finish(iterator) -> None:
    try:
        if iterator is not None and hasattr(iterator, "close"):
            iterator.close()
    finally:
        connections.close_all()  # this thread's connections only


def xlsx_chunks(sheet: Sheet) -> Iterator[bytes]:
    """The workbook, written once the download is under way: the empty first
    chunk sends the headers, so the browser lists the download at once
    instead of showing nothing for the seconds a large sheet takes. Then the
    file, from its temporary copy."""
    yield b""
    yield from _file_chunks(xlsx_file(sheet))
