"""The daily refresh of formulas that read TODAY() or NOW(): one op per
sheet, by the server itself (no user), with event `columns.recomputed`.

The clock process (sheets/clock.py) calls `refresh_volatile_formulas()` when
the server's date changes and when it starts (or run `manage.py
refresh_formulas`); a sheet already refreshed for that date is left alone,
checked under the sheet's lock, so two clocks never refresh a sheet twice.
The refresh cannot be undone: it changes no one's data, only what the date
makes of it.
"""

import datetime
import logging
from typing import Any

from django.utils import timezone

from sheets import op_registry
from sheets.models import FORMULA, Sheet
from sheets.realtime import events
from sheets.services import computed
from sheets.services.core import columns_by_id, run_op

log = logging.getLogger(__name__)


def sheet_refresh_formulas(
    *,
    sheet: Sheet,
    client_id: str = "",
    op_id: Any = None,
    now: datetime.datetime | None = None,
) -> dict:
    """Compute again, in one op, the sheet's formula columns that read the
    date or time and those reading them, for `now` (the server's time by
    default); nothing if the sheet was refreshed for that date already. The
    answer (kept in the change log) says which date it was computed for."""
    moment = timezone.localtime(now)
    day = moment.date().isoformat()

    def apply(locked: Sheet) -> dict:
        if refreshed_on(locked, day):
            return {"event": None}
        columns = columns_by_id(locked)
        volatile = [k for k, c in columns.items() if computed.is_volatile(c)]
        if not volatile:
            return {"event": None}
        recomputed, totals = computed.recompute_columns(locked, volatile, now=moment)
        event = events.columns_recomputed(recomputed)
        return {"event": events.with_computed(event, totals=totals), "day": day}

    return run_op(sheet, None, client_id, op_id, apply)


def refresh_volatile_formulas(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Refresh every sheet that has a TODAY()/NOW() formula for the date of
    `now` (the server's time by default): {"sheets": how many were looked
    at, "refreshed": how many changed, "failed": how many could not be (each
    logged)}. Each sheet is its own op and transaction, so one sheet's
    refresh never waits for all, and one that fails stops no other."""
    ids = (
        Sheet.objects.filter(columns__type=FORMULA)
        .filter(columns__formula__iregex=r"(TODAY|NOW)\s*\(")
        .values_list("id", flat=True)
        .distinct()
    )
    day = timezone.localtime(now).date().isoformat()
    seen = refreshed = failed = 0
    for sheet in Sheet.objects.filter(id__in=list(ids)).iterator():
        seen += 1
        if refreshed_on(sheet, day):
            continue
        try:
            done = sheet_refresh_formulas(sheet=sheet, client_id="clock", now=now)
        except Exception:
            log.exception("The date formulas of sheet %s could not be refreshed", sheet.id)
            failed += 1
            continue
        if done.get("applied"):
            refreshed += 1
    return {"sheets": seen, "refreshed": refreshed, "failed": failed}


def refreshed_on(sheet: Sheet, day: str) -> bool:
    """Whether the sheet's date formulas were refreshed for `day` ("YYYY-MM-DD")."""
    return sheet.changes.filter(payload__type=events.COLUMNS_RECOMPUTED, response__day=day).exists()


op_registry.register_event(
    events.COLUMNS_RECOMPUTED,
    summary=lambda e: "computed the date formulas again for today",
    touches=lambda e, conflict: not conflict.column_ids().isdisjoint(e.get("columns", [])),
)
