"""What the rest of the code needs to know about each kind of sheet event and
each kind of undo record, registered by the op family that makes them.

Each op module in sheets/services registers, when imported, the events it
produces (with a one-line summary and a "does this event touch what the
conflict is about" check) and its reverters by undo kind. SheetsConfig.ready()
imports sheets.services, so the registry is complete before the first request.
The change summaries (selectors.change_summary), undo dispatch and the undo
conflict blame (services/undo.py) read from here. docs/adding-an-op.md says
how a new op fits in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sheets.realtime import events


class Conflict(Exception):
    """A revert would overwrite someone's later change to these cells, rows or columns."""

    def __init__(self, what: str, *, cells=(), rows=(), columns=()):
        super().__init__(what)
        self.what = what
        self.cells = {tuple(c) for c in cells}
        self.rows = set(rows)
        self.columns = set(columns)

    def row_ids(self) -> set:
        """The rows it is about, with those of its cells."""
        return self.rows | {row for row, _ in self.cells}

    def column_ids(self) -> set:
        """The columns it is about, with those of its cells."""
        return self.columns | {col for _, col in self.cells}


Summary = Callable[[dict[str, Any]], str]
Touches = Callable[[dict[str, Any], Conflict], bool]
# (locked sheet, undo record) -> (event body, undo record of the revert); raises Conflict.
Reverter = Callable[[Any, dict[str, Any]], tuple[events.SheetEventBody, dict[str, Any]]]
# (event body, the sheet's row count before it) -> its row count after it.
RowCount = Callable[[dict[str, Any], int], int]


@dataclass(frozen=True)
class EventEntry:
    summary: Summary
    touches: Touches
    rows: RowCount | None = None


_events: dict[str, EventEntry] = {}
_reverters: dict[str, Reverter] = {}


def register_event(
    event_type: str, *, summary: Summary, touches: Touches, rows: RowCount | None = None
) -> None:
    """`rows`, for an event that inserts or deletes rows: the sheet's row
    count after it (services/core.py keeps Sheet.row_count with it)."""
    if event_type not in events.SHEET_EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not in events.SHEET_EVENT_TYPES.")
    if event_type in _events:
        raise ValueError(f"{event_type!r} is registered already.")
    _events[event_type] = EventEntry(summary=summary, touches=touches, rows=rows)


def register_reverter(kind: str, reverter: Reverter) -> None:
    if kind in _reverters:
        raise ValueError(f"A reverter for {kind!r} is registered already.")
    _reverters[kind] = reverter


def registered_events() -> set[str]:
    return set(_events)


def registered_reverters() -> set[str]:
    return set(_reverters)


def summary(event: dict[str, Any]) -> str:
    """One line saying what an event did (history panel, admin export)."""
    entry = _events.get(event.get("type", ""))
    return entry.summary(event) if entry else str(event.get("type"))


def touches(event: dict[str, Any], conflict: Conflict) -> bool:
    """Whether the event changed something the conflict is about."""
    entry = _events.get(event.get("type", ""))
    return entry.touches(event, conflict) if entry else False


def row_count_after(event: dict[str, Any], count: int) -> int:
    """The sheet's row count after a committed event (an op, its undo, a
    revert, an import): every event that inserts or deletes rows says how."""
    entry = _events.get(event.get("type", ""))
    return entry.rows(event, count) if entry and entry.rows else count


def reverter(kind: str) -> Reverter:
    return _reverters[kind]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
