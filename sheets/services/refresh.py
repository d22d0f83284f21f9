"""The daily refresh of formulas that read TODAY() or NOW(): one op per
sheet, by the server itself (no user), with event `columns.recomputed`.

The clock process calls `refresh_volatile_formulas()` once a day after
midnight (or `manage.py refresh_formulas`); a sheet whose formulas were
computed today already is left alone. The refresh cannot be undone: it
changes no one's data, only what the date makes of it.
"""

from typing import Any

from django.utils import timezone

from sheets import op_registry, realtime
from sheets.models import FORMULA, Sheet
from sheets.services import computed
from sheets.services.core import columns_by_id, run_op


def sheet_refresh_formulas(*, sheet: Sheet, client_id: str = "", op_id: Any = None) -> dict:
    """Compute again, in one op, the sheet's formula columns that read the
    date or time and those reading them."""

    def apply(locked: Sheet) -> dict:
        columns = columns_by_id(locked)
        volatile = [k for k, c in columns.items() if computed.is_volatile(c)]
        if not volatile:
            return {"event": None}
        recomputed, totals = computed.recompute_columns(locked, volatile)
        event = realtime.columns_recomputed(recomputed)
        return {"event": realtime.with_computed(event, totals=totals)}

    return run_op(sheet, None, client_id, op_id, apply)


def refresh_volatile_formulas() -> dict[str, int]:
    """Refresh every sheet that has a TODAY()/NOW() formula: {"sheets": how
    many were looked at, "refreshed": how many changed}. Each sheet is its
    own op and transaction, so one sheet's refresh never waits for all."""
    ids = (
        Sheet.objects.filter(columns__type=FORMULA)
        .filter(columns__formula__iregex=r"(TODAY|NOW)\s*\(")
        .values_list("id", flat=True)
        .distinct()
    )
    seen = refreshed = 0
    for sheet in Sheet.objects.filter(id__in=list(ids)).iterator():
        seen += 1
        if computed_today(sheet):
            continue
        if sheet_refresh_formulas(sheet=sheet, client_id="clock").get("applied"):
            refreshed += 1
    return {"sheets": seen, "refreshed": refreshed}


def computed_today(sheet: Sheet) -> bool:
    """Whether the sheet was refreshed since local midnight."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return sheet.changes.filter(
        created_at__gte=midnight, payload__type=realtime.COLUMNS_RECOMPUTED
    ).exists()


op_registry.register_event(
    realtime.COLUMNS_RECOMPUTED,
    summary=lambda e: "computed the date formulas again for today",
    touches=lambda e, conflict: not conflict.column_ids().isdisjoint(e.get("columns", [])),
)
