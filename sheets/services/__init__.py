"""Every write to a sheet. Views, consumers, commands and the admin call these.

An import's writes are sheets/io/writer.py, a service of its own built on this
package's op runner (it imports this package, so this package does not
re-export it)."""

from sheets.services.cells import cells_update
from sheets.services.column_update import column_update
from sheets.services.columns import columns_delete, columns_insert
from sheets.services.core import OpError, parse_uuid
from sheets.services.formula_check import formula_check
from sheets.services.refresh import refresh_volatile_formulas, sheet_refresh_formulas
from sheets.services.retention import change_log_prune
from sheets.services.rows import rows_delete, rows_insert
from sheets.services.saved_views import view_delete, view_save, view_update
from sheets.services.sharing import share_remove, sheet_share, sheet_transfer
from sheets.services.sheets import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    sheet_create,
    sheet_delete,
    sheet_freeze,
    sheet_rename,
)
from sheets.services.sort_sheet import rows_sort
from sheets.services.undo import change_revert, sheet_redo, sheet_undo

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_ROWS",
    "OpError",
    "cells_update",
    "change_revert",
    "change_log_prune",
    "column_update",
    "columns_delete",
    "columns_insert",
    "formula_check",
    "parse_uuid",
    "refresh_volatile_formulas",
    "rows_delete",
    "rows_insert",
    "rows_sort",
    "sheet_create",
    "sheet_delete",
    "sheet_freeze",
    "sheet_redo",
    "sheet_refresh_formulas",
    "sheet_rename",
    "sheet_share",
    "sheet_transfer",
    "sheet_undo",
    "share_remove",
    "view_delete",
    "view_save",
    "view_update",
]
