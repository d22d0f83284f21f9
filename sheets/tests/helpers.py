"""Small helpers the sheet tests share: new ids and a sheet's ids in order."""

import uuid

from sheets.models import Sheet


def new_id() -> str:
    return str(uuid.uuid4())


def col_ids(sheet: Sheet) -> list[str]:
    return [str(i) for i in sheet.columns.order_by("position").values_list("id", flat=True)]


def row_ids(sheet: Sheet) -> list[str]:
    return [str(i) for i in sheet.rows.order_by("order").values_list("id", flat=True)]
