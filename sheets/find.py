"""Find: the cells of a sheet whose shown text contains a query, in row then
column order, with their row numbers (docs/protocol.md, "Find"). Reads only.

What is searched is what the grid shows as text: text cells, dates
("2026-12-04"), numbers as plain digits ("1299.5") and formula results of
those kinds. Checkboxes and formula errors are not text and never match.

PostgreSQL matches in the database (a row's JSON text first, then its
cells, with lower() LIKE), reading rows in index order so that a common text
stops at COUNT_CAP matches; a rare one reads every row, which is the cost
(docs/protocol.md, "Find"). SQLite reads the rows in order and matches in
Python, the same rule. Row numbers are counted on the (sheet, order, id)
index up to the last match answered.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Q, TextField, Window
from django.db.models.functions import Cast, RowNumber

from sheets.models import Row, Sheet
from sheets.refusals import RequestRefused
from sheets.selectors import consistent_read
from sheets.values import format_number

MAX_QUERY_CHARS = 200
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
COUNT_CAP = 10_000  # matches counted past this: "more": true
_CHUNK = 2000


class FindError(RequestRefused):
    """A malformed find request: answered 400 with this message."""


@dataclass(frozen=True)
class FindQuery:
    text: str
    limit: int


def parse_find(params: Any) -> FindQuery:
    """The query a query string asks for; FindError if malformed."""
    text = params.get("q") or ""
    if not text:
        raise FindError("invalid_query", "Give the text to find: ?q=<text>.")
    if len(text) > MAX_QUERY_CHARS:
        raise FindError(
            "invalid_query", f"The text to find is longer than {MAX_QUERY_CHARS} characters."
        )
    if "\x00" in text:
        raise FindError("invalid_query", "The text to find holds a NUL character.")
    raw = params.get("limit")
    if raw in (None, ""):
        return FindQuery(text=text, limit=DEFAULT_LIMIT)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= MAX_LIMIT:
        raise FindError("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return FindQuery(text=text, limit=int(raw))


def find_cells(sheet: Sheet, query: FindQuery) -> dict[str, Any]:
    """{"seq", "query", "count", "more", "matches": [{"row", "col", "row_number"}]}
    at one version of the sheet."""
    with consistent_read():
        sheet.refresh_from_db(fields=["version"])
        columns = [str(i) for i in sheet.columns.values_list("id", flat=True)]  # by position
        place = {c: i for i, c in enumerate(columns)}
        matches: list[dict[str, Any]] = []
        keys: dict[str, tuple[float, str]] = {}  # row id -> (order, id) of the rows answered
        count = 0
        if connection.vendor == "postgresql":
            found = _rows_postgresql(sheet, columns, query.text)
        else:
            found = _rows_python(sheet, columns, query.text)
        for row_id, order, cols in found:
            for col in sorted(cols, key=place.__getitem__):
                count += 1
                if len(matches) < query.limit:
                    matches.append({"row": row_id, "col": col})
                    keys[row_id] = (order, row_id)
            if count >= COUNT_CAP:
                break
        more = count > COUNT_CAP or (count == COUNT_CAP and next(found, None) is not None)
        found.close()
        numbers = _row_numbers(sheet, list(keys.values()))
    for match in matches:
        match["row_number"] = numbers[match["row"]]
    return {
        "seq": sheet.version,
        "query": query.text,
        "count": min(count, COUNT_CAP),
        "more": more,
        "matches": matches,
    }


# --- Matching rows: (row id, order, [column ids of the cells that match]) in row order.

Found = Iterator[tuple[str, float, list[str]]]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _json_safe(text: str) -> bool:
    """Whether `text` is written the same inside a JSON string (nothing to escape)."""
    return not any(ch in '"\\' or ord(ch) < 0x20 for ch in text)


def _rows_postgresql(sheet: Sheet, columns: list[str], text: str) -> Found:
    # lower() LIKE is ILIKE (PostgreSQL lowers both sides) at half the cost.
    # A row whose JSON text cannot hold the query is passed over before its
    # cells are taken apart (jsonb text keeps non-ASCII as it is).
    prefilter = ' AND lower(r."values"::text) LIKE lower(%(like)s)' if _json_safe(text) else ""
    sql = f"""
        SELECT id, "order", cols FROM (
            SELECT r.id, r."order", ARRAY(
                SELECT e.key FROM jsonb_each(r."values") AS e
                WHERE e.key = ANY(%(columns)s)
                  AND jsonb_typeof(e.value) IN ('string', 'number')
                  AND lower(e.value #>> '{{}}') LIKE lower(%(like)s)
            ) AS cols
            FROM {Row._meta.db_table} AS r
            WHERE r.sheet_id = %(sheet)s{prefilter}
        ) AS found
        WHERE cardinality(cols) > 0
        ORDER BY "order", id
        LIMIT %(rows)s
    """
    params = {"columns": columns, "like": _like(text), "sheet": sheet.id, "rows": COUNT_CAP + 1}
    with connection.cursor() as cursor:
        # Rows in index order, so a common text stops after COUNT_CAP matches
        # instead of every row being matched and then sorted; a rare one
        # reads the rows in about their order on disk either way.
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        cursor.execute(sql, params)
        try:
            while chunk := cursor.fetchmany(_CHUNK):
                for row_id, order, cols in chunk:
                    yield str(row_id), order, cols
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', 'on', true)")


def _shown(value: Any) -> str | None:
    """A stored value as the grid shows it as text; None for what is not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return None


def _rows_python(sheet: Sheet, columns: list[str], text: str) -> Found:
    needle = text.lower()
    rows = Row.objects.filter(sheet_id=sheet.id).order_by("order", "id")
    if text.isascii() and _json_safe(text):
        # SQLite's LIKE ignores ASCII case and its JSON text escapes the rest.
        rows = rows.alias(json=Cast("values", TextField())).filter(json__icontains=text)
    for row_id, order, cells in rows.values_list("id", "order", "values").iterator(_CHUNK):
        cols = [
            c
            for c in columns
            if (shown := _shown(cells.get(c))) is not None and needle in shown.lower()
        ]
        if cols:
            yield str(row_id), order, cols


# --- Row numbers, counted by the index up to the last row answered.


def _row_numbers(sheet: Sheet, keys: list[tuple[float, str]]) -> dict[str, int]:
    if not keys:
        return {}
    order, row_id = keys[-1]
    upto = Row.objects.filter(sheet_id=sheet.id, order__lte=order).filter(
        Q(order__lt=order) | Q(id__lte=row_id)
    )
    numbered = upto.annotate(number=Window(RowNumber(), order_by=[F("order"), F("id")]))
    # A condition on the window is applied outside the numbering (Django's
    # QUALIFY); one with an OR takes the id condition out with it, so the
    # rows are numbered among all rows, not among the matches.
    wanted = Q(id__in=[k[1] for k in keys]) | Q(number__lt=1)
    found = numbered.filter(wanted).values_list("id", "number")
    return {str(i): n - 1 for i, n in found}
