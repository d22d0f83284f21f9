"""The formula language of formula columns: parse, compile, evaluate.

Pure Python, no database: sheets/services/ stores `Formula.stored` and calls
`evaluate` per row. A formula is interpreted from its tree, never run as
Python or SQL. docs/formulas.md is the user's reference."""

from sheets.formulas.errors import ErrorValue, FormulaSyntaxError
from sheets.formulas.formula import Formula, compile_formula, evaluate
from sheets.formulas.limits import Limits

__all__ = ["ErrorValue", "Formula", "FormulaSyntaxError", "Limits", "compile_formula", "evaluate"]
