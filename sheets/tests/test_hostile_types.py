"""Every field of every op body, given each JSON type it does not take: a JSON
400 that says why, the sheet unchanged, and the good body served right after.

The table names, per op, a good body and, per field (a path into the body),
which of the sample values it takes; every other sample is sent in its place."""

import copy

import pytest

from sheets import services
from sheets.api import OPS
from sheets.models import SavedView
from sheets.tests.helpers import (
    assert_json_error,
    col_ids,
    new_id,
    post,
    row_ids,
    sheet_state,
    update,
    version,
)

pytestmark = pytest.mark.django_db

SAMPLES = {
    "null": None,
    "true": True,
    "zero": 0,
    "number": 7,
    "fraction": 1.5,
    "text": "text",
    "empty list": [],
    "list": ["text"],
    "empty object": {},
    "object": {"text": 1},
}
ANY_VALUE = {"null", "true", "zero", "number", "fraction", "text"}
# Fields every op carries, and the samples each takes.
COMMON = {("client_id",): {"text"}, ("base_version",): {"null", "zero", "number"}}


def good_bodies(sheet) -> dict[str, dict]:
    rows, cols = row_ids(sheet), col_ids(sheet)
    return {
        "cells": {"changes": [{"row": rows[0], "col": cols[0], "value": "x"}]},
        "rows/insert": {"rows": [{"id": new_id(), "after": rows[0], "values": {cols[0]: "x"}}]},
        "rows/delete": {"rows": [rows[1]]},
        "rows/sort": {"sort": [{"column": cols[0], "descending": False}]},
        "columns/insert": {
            "columns": [
                {"id": new_id(), "name": "New", "type": "text", "after": cols[0], "formula": None}
            ]
        },
        "columns/delete": {"columns": [cols[1]]},
        "columns/update": {
            "column": cols[0],
            "name": "Renamed",
            "type": "text",
            "formula": None,
            "summary": "filled",
            "width": 200,
            "number_format": None,
            "wrap": True,
        },
        "rename": {"title": "Renamed"},
        "freeze": {"columns": 2},
        "undo": {},
        "redo": {},
        # The undo that `undoable` made last: reverting it puts "two" back.
        "revert": {"change": version(sheet)},
        "views/save": {"name": "New view", "spec": {"sort": [{"column": cols[0], "dir": "asc"}]}},
        "views/update": {"view": _view_id(sheet), "name": "Renamed view", "spec": {}},
        "views/delete": {"view": _view_id(sheet)},
    }


def _view_id(sheet) -> str:
    """The shared view `undoable` saved."""
    return str(SavedView.objects.filter(sheet=sheet).values_list("id", flat=True).first())


# Per op: {path into the body: the samples that field takes}.
FIELDS: dict[str, dict[tuple, set[str]]] = {
    "cells": {
        ("changes",): set(),
        ("changes", 0): set(),
        ("changes", 0, "row"): set(),
        ("changes", 0, "col"): set(),
        ("changes", 0, "value"): ANY_VALUE,
    },
    "rows/insert": {
        ("rows",): set(),
        ("rows", 0): set(),
        ("rows", 0, "id"): set(),
        ("rows", 0, "after"): {"null"},
        ("rows", 0, "values"): {"null", "empty object"},
    },
    "rows/delete": {("rows",): set(), ("rows", 0): set()},
    "rows/sort": {
        ("sort",): set(),
        ("sort", 0): set(),
        ("sort", 0, "column"): set(),
        ("sort", 0, "descending"): {"true"},
    },
    "columns/insert": {
        ("columns",): set(),
        ("columns", 0): set(),
        ("columns", 0, "id"): set(),
        ("columns", 0, "after"): {"null"},
        ("columns", 0, "name"): {"text"},
        ("columns", 0, "type"): {"text"},
        ("columns", 0, "formula"): {"null"},
    },
    "columns/delete": {("columns",): set(), ("columns", 0): set()},
    "columns/update": {
        ("column",): set(),
        ("name",): {"text", "null"},
        ("type",): {"text", "null"},
        ("formula",): {"null"},
        ("summary",): {"null"},
        ("width",): {"null"},
        # An object that asks for nothing is null (numbers as stored).
        ("number_format",): {"null", "empty object"},
        ("wrap",): {"true"},
    },
    "rename": {("title",): {"text"}},
    "freeze": {("columns",): {"zero", "number"}},
    "undo": {},
    "redo": {},
    "revert": {("change",): {"number"}},
    "views/save": {
        ("name",): {"text"},
        ("spec",): {"null", "empty object"},
        ("spec", "sort"): {"empty list"},
        ("spec", "sort", 0): set(),
        ("spec", "sort", 0, "column"): set(),
        ("spec", "sort", 0, "dir"): set(),
    },
    "views/update": {
        ("view",): set(),
        ("name",): {"text", "null"},
        ("spec",): {"null", "empty object"},
    },
    "views/delete": {("view",): set()},
}
assert set(FIELDS) == set(OPS), "every op endpoint is in the table"


def _cases():
    for op, fields in FIELDS.items():
        # An op without an id is not retried safely, but allowed; an undo needs one.
        op_id = set() if op in ("undo", "redo", "revert") else {"null"}
        for path, takes in {**COMMON, ("op_id",): op_id, **fields}.items():
            for sample in SAMPLES.keys() - takes:
                yield pytest.param(op, path, sample, id=f"{op}:{'.'.join(map(str, path))}={sample}")


def _replace(body: dict, path: tuple, value) -> dict:
    body = copy.deepcopy(body)
    place = body
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return body


@pytest.fixture
def undoable(sheet, user):
    """A sheet with a shared view, a change to undo and an undo to redo."""
    services.view_save(sheet=sheet, user=user, client_id="tab-1", op_id=new_id(), name="Kept")
    first = {"row": row_ids(sheet)[2], "col": col_ids(sheet)[2], "value": "one"}
    update(sheet, user, [first])
    update(sheet, user, [{**first, "value": "two"}])
    services.sheet_undo(sheet=sheet, user=user, client_id="tab-1", op_id=new_id())
    return sheet


@pytest.mark.parametrize(("op", "path", "sample"), list(_cases()))
def test_a_field_of_the_wrong_type_is_refused(auth_client, undoable, op, path, sample):
    sheet = undoable
    good = {"client_id": "tab-1", "op_id": new_id(), **good_bodies(sheet)[op]}
    bad = _replace(good, path, SAMPLES[sample])
    before = sheet_state(sheet)
    response = post(auth_client, f"/api/sheets/{sheet.id}/{op}", bad)
    assert_json_error(response, 400)
    assert sheet_state(sheet) == before
    served = post(auth_client, f"/api/sheets/{sheet.id}/{op}", good)
    assert served.status_code == 200, served.content
    assert served.json()["applied"] is True


@pytest.mark.parametrize("op", list(FIELDS))
def test_a_body_that_is_not_an_object_is_refused(auth_client, sheet, op):
    before = sheet_state(sheet)
    for sample in SAMPLES.values():
        if isinstance(sample, dict):
            continue
        response = post(auth_client, f"/api/sheets/{sheet.id}/{op}", sample)
        assert_json_error(response, 400, "invalid_json")
    assert sheet_state(sheet) == before
