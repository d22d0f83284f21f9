"""The user's choices on a preview's confirm form, checked against the
preview they were made on (sheets/io/writer.py `import_job_confirm` stores
them in the job; sheets/io/jobs.py follows them).

- What to do with the rows that have a problem: skip them, or import their
  bad cells as empty (cancel is the form's other button). Asked only when the
  preview found such rows.
- Which headers the sheet does not have become new columns, and of which
  type (the preview's guess unless the user picked another).

A choice that does not fit the preview (a header index the preview did not
offer, a type that is not one, a form from an earlier reading of the file)
is refused with a message and changes nothing.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from sheets.models import ColumnType
from sheets.services.core import OpError

BAD_ROW_CHOICES = ("skip", "empty")


def confirm_options(
    preview: dict,
    *,
    on_error: Any,
    add: list[Any],
    types: Mapping[str, Any],
    preview_id: Any = None,
    columns_now: int = 0,
) -> dict:
    """{"on_error": "refuse" | "skip" | "empty", "add": [{"index", "name", "type"}]};
    `columns_now`: how many columns the sheet has."""
    if preview_id is not None and preview_id != preview.get("id"):
        raise OpError(
            "stale_preview",
            "The file was read again since this form was shown: check the preview and "
            "confirm again.",
            status=409,
        )
    bad = preview.get("bad_row_count", 0)
    if bad:
        if on_error not in BAD_ROW_CHOICES:
            raise OpError(
                "invalid_choice",
                f"{bad:,} row{'s' if bad != 1 else ''} of the file "
                f"{'have' if bad != 1 else 'has'} problems: choose whether to skip "
                f"{'them' if bad != 1 else 'it'} or to import the bad cells as empty.",
            )
    else:
        on_error = "refuse"  # nothing to choose: a bad value found now refuses the import
    offered = {m["index"]: m for m in preview.get("mapping", []) if m.get("suggested") is not None}
    added = []
    for raw in dict.fromkeys(add):  # a repeated box counts once
        index = _index(raw)
        if index not in offered:
            raise OpError("invalid_column", "Only headers the sheet does not have can be added.")
        column_type = types.get(str(index)) or offered[index]["suggested"]
        if column_type not in ColumnType.values:
            raise OpError(
                "invalid_type",
                f"Choose the type of the new column “{offered[index]['header']}”: "
                f"{', '.join(ColumnType.values)}.",
            )
        added.append({"index": index, "name": offered[index]["header"], "type": column_type})
    if columns_now + len(added) > settings.MAX_COLUMNS_PER_SHEET:
        # The import checks it again under the sheet's lock; said here while
        # the user can still untick some.
        raise OpError(
            "too_many_columns",
            f"A sheet holds at most {settings.MAX_COLUMNS_PER_SHEET} columns: "
            "add fewer new columns.",
        )
    if not added and not preview.get("columns"):
        raise OpError("invalid_columns", "Choose at least one header to add as a new column.")
    return {"on_error": on_error, "add": added}


def _index(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def targets_with(targets: list[dict | None], added: list[dict]) -> list[dict | None]:
    """The preview's targets, with the headers chosen as new columns."""
    out = list(targets)
    for spec in added:
        out[spec["index"]] = {"name": spec["name"], "type": spec["type"]}
    return out
