"""Checking a formula as the column dialog's user types it: what saving it
would say, with the same compile (sheets/services/computed.py) the column
ops run, and nothing written."""

import uuid
from typing import Any

from django.conf import settings

from sheets.models import FORMULA, Column, Sheet
from sheets.services import computed
from sheets.services.columns import clean_column_name
from sheets.services.core import OpError, columns_by_id, parse_uuid


def formula_check(*, sheet: Sheet, formula: Any, column: Any = None, name: Any = None) -> dict:
    """{"ok": true, "result_type", "formula"} for a formula that column
    `column` (None: a new column), named `name` if given, could be given;
    {"ok": false, "error", "message", ...} with what the op would refuse
    (position and expected of a syntax error, the columns of a cycle).
    A request that is not a check at all raises OpError."""
    if not isinstance(formula, str):
        raise OpError("invalid_formula", 'formula must be text that starts with "=".')
    if len(formula) > settings.FORMULA_MAX_LENGTH:
        raise OpError(
            "formula_too_long",
            f"A formula is at most {settings.FORMULA_MAX_LENGTH:,} characters.",
        )
    new_name = clean_column_name(name) if name is not None else None
    columns = columns_by_id(sheet)
    if column is None:
        column_id = str(uuid.uuid4())
    else:
        column_id = str(parse_uuid(column, "column"))
        if column_id not in columns:
            raise OpError("column_not_found", "That column no longer exists.", status=404)
    current = columns.get(column_id)
    columns[column_id] = Column(
        id=column_id, name=new_name or (current.name if current else ""), type=FORMULA
    )
    try:
        compiled = computed.compile_for(columns, column_id, formula)
    except OpError as exc:
        return {"ok": False, **exc.as_dict()}
    names = {k: c.name for k, c in columns.items()}
    return {
        "ok": True,
        "result_type": compiled.result_type(computed.column_types(columns)),
        "formula": compiled.to_text(names),
    }
