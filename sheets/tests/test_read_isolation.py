"""A long read never holds up a write (docs/operations.md, "Reads and writes").

A reader opens the sheet snapshot's transaction and stays inside it while
another connection writes, on the same sheet and on another one. On SQLite a
read in a write (IMMEDIATE) transaction would make the writer wait for the
lock; here the writer finishes while the read is still open, and the read
keeps the one version it started with."""

import json
import threading

import pytest
from django.db import connection

from sheets import selectors, windows
from sheets.models import Sheet
from sheets.tests.helpers import col_ids, row_ids, update, version

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_S = 60  # a backstop only: each wait ends as soon as its condition holds


def _read_while(sheet_id: int, started: threading.Event, written: threading.Event) -> dict:
    """Read the sheet's version, let the writer go, read it again when the write is in."""
    seen: dict = {}
    try:
        with selectors.consistent_read():
            seen["before"] = selectors.sheet_version(sheet_id=sheet_id)
            started.set()
            seen["write_done"] = written.wait(WAIT_S)
            seen["after"] = selectors.sheet_version(sheet_id=sheet_id)
            seen["snapshot"] = selectors.sheet_snapshot(sheet=Sheet.objects.get(pk=sheet_id))
    finally:
        connection.close()
    return seen


def test_a_write_goes_through_while_a_read_is_open(user, make_sheet):
    read_sheet = make_sheet(title="Big")
    other_sheet = make_sheet(title="Small")
    started, written = threading.Event(), threading.Event()
    result: dict = {}
    reader = threading.Thread(
        target=lambda: result.update(_read_while(read_sheet.id, started, written))
    )
    reader.start()
    try:
        assert started.wait(WAIT_S), "the reader never opened its transaction"
        # While the read is open: an edit on another sheet and on the one being read.
        for target in (other_sheet, read_sheet):
            update(
                target, user, [{"row": row_ids(target)[0], "col": col_ids(target)[0], "value": "x"}]
            )
    finally:
        written.set()
        reader.join(WAIT_S)
    assert result["write_done"]
    assert version(read_sheet) == result["before"] + 1
    # The read saw one version throughout, and rows of that version.
    assert result["after"] == result["before"] == result["snapshot"]["version"]
    first = result["snapshot"]["rows"][0]["values"]
    assert first.get(col_ids(read_sheet)[0]) in (None, "")


def test_a_write_goes_through_while_a_window_is_half_streamed(user, make_sheet, monkeypatch):
    """The window's stream holds its read open between pieces (the client
    reads slowly): a write on the same sheet finishes meanwhile, and the
    rest of the block still belongs to the version it started at."""
    monkeypatch.setattr(windows, "CHUNK_ROWS", 2)
    sheet = make_sheet(title="Big")
    rows, col = row_ids(sheet), col_ids(sheet)[0]
    stream = windows.block_stream(sheet, windows.parse_window({"limit": "100"}))
    pieces = [next(stream), next(stream)]  # the head and the first rows: the read is open
    done = threading.Event()

    def write() -> None:
        try:
            update(sheet, user, [{"row": rows[-1], "col": col, "value": "late"}])
            done.set()
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(WAIT_S)
    assert done.is_set(), "the write waited for the read"
    pieces += list(stream)
    block = json.loads(b"".join(pieces))
    assert block["seq"] == version(sheet) - 1
    assert [r[0] for r in block["rows"]] == rows
    assert block["rows"][-1][2] is None
