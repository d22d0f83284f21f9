"""Find: the cells of a sheet whose shown text contains a query, in row then
column order, with their row numbers (docs/protocol.md, "Find"). Reads only.

What is searched is what the grid shows as text: text cells, dates
("2026-12-04"), numbers as plain digits ("1299.5") and formula results of
those kinds, case-insensitively. Checkboxes and formula errors are not text
and never match. That rule is applied here, in Python, on both databases.

Two questions, each at one version of the sheet:
- a page: the first matches from a place in the sheet, read in row order a
  chunk of rows at a time along the (sheet, order, id) index, and answered
  as soon as `limit` matches are in hand, or at the end of a chunk once one
  is: a text in few rows answers when its first match is read, not when the
  last row is. `next` says where the following page starts.
- the count: every match, up to COUNT_CAP.
Both let the database pass over the rows whose JSON text cannot hold the
query (_prefilter) before a row is decoded here.
"""

import math
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from sheets.models import Row, Sheet
from sheets.refusals import RequestRefused
from sheets.selectors import consistent_read
from sheets.values import format_number

MAX_QUERY_CHARS = 200
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
COUNT_CAP = 10_000  # matches counted past this: "more": true
CHUNK_ROWS = 5000  # rows read per step of a page
_COUNT_FETCH = 2000

Key = tuple[float, str]  # a row's place: (order, id)


class FindError(RequestRefused):
    """A malformed find request: answered 400 with this message."""


@dataclass(frozen=True)
class FindQuery:
    text: str
    limit: int = DEFAULT_LIMIT
    after: Key | None = None  # a page from just after this row; None: from the top
    count: bool = False  # the count instead of a page


def parse_find(params: Any) -> FindQuery:
    """The question a query string asks; FindError if malformed."""
    text = params.get("q") or ""
    if not text:
        raise FindError("invalid_query", "Give the text to find: ?q=<text>.")
    if len(text) > MAX_QUERY_CHARS:
        raise FindError(
            "invalid_query", f"The text to find is longer than {MAX_QUERY_CHARS} characters."
        )
    if "\x00" in text:
        raise FindError("invalid_query", "The text to find holds a NUL character.")
    count = params.get("count")
    if count not in (None, "", "only"):
        raise FindError("invalid_count", "count must be the word only.")
    if count == "only":
        if any(params.get(name) not in (None, "") for name in ("limit", "after")):
            raise FindError("invalid_count", "count=only takes no limit and no after.")
        return FindQuery(text=text, count=True)
    return FindQuery(
        text=text, limit=_limit(params.get("limit")), after=_after(params.get("after"))
    )


def _limit(raw: str | None) -> int:
    if raw in (None, ""):
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= MAX_LIMIT:
        raise FindError("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _after(raw: str | None) -> Key | None:
    """`<order>,<row id>`, as a page's `next` gives it."""
    if raw in (None, ""):
        return None
    message = "after must be a page's next: <order>,<row id>."
    order, _, row_id = raw.partition(",")
    try:
        number = float(order)
        if not math.isfinite(number) or order.strip() != order or len(row_id) != 36:
            raise ValueError
        return number, str(uuid.UUID(row_id))
    except ValueError:
        raise FindError("invalid_after", message) from None


def find_answer(sheet: Sheet, query: FindQuery) -> dict[str, Any]:
    return find_count(sheet, query) if query.count else find_page(sheet, query)


def find_page(sheet: Sheet, query: FindQuery) -> dict[str, Any]:
    """{"seq", "query", "matches": [{"row", "col", "row_number"}], "next"}:
    the first matches after `query.after`; `next` (or null at the sheet's
    end) is where the following page starts. A page ends at a row's end, so
    it may hold a few more than `limit` matches."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version"])
        columns = _columns(sheet)
        needle, prefilter = query.text.lower(), _prefilter(query.text)
        rows = Row.objects.filter(sheet_id=sheet.id)
        matches: list[dict[str, Any]] = []
        keys: list[Key] = []
        start, nxt = query.after, None
        while True:
            end = _chunk_end(rows, start)
            chunk = _upto(_past(rows, start), end)
            if prefilter is not None:
                chunk = chunk.filter(prefilter)
            while True:  # the chunk's candidates, `limit` rows at a time
                wanted = query.limit - len(matches)
                found = chunk.order_by("order", "id").values_list("id", "order", "values")
                found = list(found[:wanted])
                for row_id, order, cells in found:
                    start = (order, str(row_id))
                    if cols := _matching(cells, columns, needle):
                        matches += [{"row": str(row_id), "col": col} for col in cols]
                        keys.append(start)
                        if len(matches) >= query.limit:
                            break
                if len(matches) >= query.limit or len(found) < wanted:
                    break
                chunk = _past(chunk, start)
            if len(matches) >= query.limit:
                nxt = start
                break
            if end is None:
                break
            start = nxt = end
            if matches:
                break
        numbers = _row_numbers(rows, keys)
    for match in matches:
        match["row_number"] = numbers[match["row"]]
    return {
        "seq": sheet.version,
        "query": query.text,
        "matches": matches,
        "next": None if nxt is None else f"{nxt[0]!r},{nxt[1]}",
    }


def find_count(sheet: Sheet, query: FindQuery) -> dict[str, Any]:
    """{"seq", "query", "count", "more"}: every match, counted up to COUNT_CAP."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version"])
        columns = _columns(sheet)
        needle, prefilter = query.text.lower(), _prefilter(query.text)
        rows = Row.objects.filter(sheet_id=sheet.id)
        if prefilter is not None:
            rows = rows.filter(prefilter)
        candidates = rows.values_list("values", flat=True)  # no order: every row is read
        _scan_in_parallel()
        first = list(candidates[: COUNT_CAP + 1])
        count = sum(len(_matching(cells, columns, needle)) for cells in first)
        if len(first) > COUNT_CAP >= count:  # the prefilter let many through: read them all
            count = 0
            for cells in candidates.iterator(_COUNT_FETCH):
                count += len(_matching(cells, columns, needle))
                if count > COUNT_CAP:
                    break
    return {
        "seq": sheet.version,
        "query": query.text,
        "count": min(count, COUNT_CAP),
        "more": count > COUNT_CAP,
    }


def _scan_in_parallel() -> None:
    """PostgreSQL: let the count's scan take parallel workers, for this
    transaction. The planner takes the prefilter for cheap and as letting a
    third of the rows through, so with a LIMIT it would scan alone."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('parallel_setup_cost', '0', true),"
                " set_config('parallel_tuple_cost', '0', true)"
            )


# --- The exact rule: a cell's shown text holds the query, case aside.


def _columns(sheet: Sheet) -> list[str]:
    return [str(i) for i in sheet.columns.values_list("id", flat=True)]  # by position


def _shown(value: Any) -> str | None:
    """A stored value as the grid shows it as text; None for what is not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return None


def _matching(cells: dict[str, Any], columns: list[str], needle: str) -> list[str]:
    return [
        c
        for c in columns
        if (shown := _shown(cells.get(c))) is not None and needle in shown.lower()
    ]


# --- The prefilter: a test on each row's JSON text that a match cannot fail.

# Printable ASCII is written as itself in the JSON text of both databases,
# except " and \ (escaped). "i" and "k" are left out too: "İ" and the Kelvin
# sign lower-case to them in Python, not in SQL.
_NOT_PLAIN = re.compile(r'[^\x20-\x7e]|["\\ik]')
_NUMBER_CHARS = frozenset("0123456789.+-e")
# PostgreSQL writes a number's JSON text without an exponent: 1e+20 is
# shown "1e+20" but written "100000000000000000000", 1e-05 "0.00001".
# Rows holding such a number are let through for a query a number can match.
_PLAIN_BIG_OR_TINY = r"[0-9]{17}|0\.0000"


def _prefilter(text: str) -> Q | None:
    """A condition on a row's JSON text that every row with a match meets
    (the longest plain run of the lower-cased query), or None if none is."""
    lowered = text.lower()
    part = max(_NOT_PLAIN.split(lowered), key=len)
    if not part:
        return None
    table, values = (connection.ops.quote_name(n) for n in (Row._meta.db_table, "values"))
    if connection.vendor == "postgresql":
        sql, params = f'strpos(lower({table}.{values}::text COLLATE "C"), %s) > 0', [part]
        if set(lowered) <= _NUMBER_CHARS:
            sql = f"({sql} OR {table}.{values}::text ~ %s)"
            params.append(_PLAIN_BIG_OR_TINY)
    else:  # SQLite keeps the JSON text Python wrote: numbers as repr() writes them
        sql, params = f"instr(lower({table}.{values}), %s) > 0", [part]
    return Q(RawSQL(sql, params, output_field=BooleanField()))


# --- Places in the sheet, by the (sheet, order, id) index.


def _past(rows: QuerySet, key: Key | None) -> QuerySet:
    """Rows after `key`; the order bound is what the index is searched by."""
    if key is None:
        return rows
    order, row_id = key
    return rows.filter(order__gte=order).filter(Q(order__gt=order) | Q(id__gt=row_id))


def _upto(rows: QuerySet, key: Key | None) -> QuerySet:
    """Rows up to `key`, itself included."""
    if key is None:
        return rows
    order, row_id = key
    return rows.filter(order__lte=order).filter(Q(order__lt=order) | Q(id__lte=row_id))


def _chunk_end(rows: QuerySet, start: Key | None) -> Key | None:
    """The place of the CHUNK_ROWS-th row after `start`; None if fewer are left.
    Read from the index alone."""
    ordered = _past(rows, start).order_by("order", "id").values_list("order", "id")
    found = list(ordered[CHUNK_ROWS - 1 : CHUNK_ROWS])
    return (found[0][0], str(found[0][1])) if found else None


def _row_numbers(rows: QuerySet, keys: list[Key]) -> dict[str, int]:
    """Row numbers of the rows at `keys` (in order): the rows before the first
    counted on the index, then the rows from the first to the last numbered."""
    if not keys:
        return {}
    first, last = keys[0], keys[-1]
    before = (
        rows.filter(order__lte=first[0]).filter(Q(order__lt=first[0]) | Q(id__lt=first[1])).count()
    )
    since = rows.filter(order__gte=first[0]).filter(Q(order__gt=first[0]) | Q(id__gte=first[1]))
    span = _upto(since, last)
    numbered = span.annotate(number=Window(RowNumber(), order_by=[F("order"), F("id")]))
    # A condition on the window is applied outside the numbering (Django's
    # QUALIFY); one with an OR takes the id condition out with it, so the
    # rows are numbered among all rows of the span, not among the matches.
    wanted = Q(id__in=[k[1] for k in keys]) | Q(number__lt=1)
    found = numbered.filter(wanted).values_list("id", "number")
    return {str(i): before + n - 1 for i, n in found}
