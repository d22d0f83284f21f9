"""The function library: each family registers its functions here by name.

A function's implementation gets its arguments' values, errors already
returned for it unless it says `raw`. `lazy` functions (IF, CHOOSE...) get the
arguments unevaluated, as callables of the evaluation context, so a branch not
taken is never evaluated. `refs` functions also get, per argument, whether it
is a column reference (SUM counts text typed as an argument, not text in a
cell, as spreadsheets do). `ctx` functions get the context first (TODAY, REPT).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    name: str
    min_args: int
    max_args: int | None
    impl: Callable
    lazy: bool = False
    raw: bool = False
    refs: bool = False
    ctx: bool = False
    # The result type: a type name, or a callable of the argument types.
    returns: str | Callable[[list[str]], str] = "mixed"
    # Arguments come in pairs (IFS): an odd count is refused like a wrong count.
    pairs: bool = False


FUNCTIONS: dict[str, Spec] = {}


def function(name: str, min_args: int, max_args: int | None = -1, **options) -> Callable:
    """Register the decorated implementation as `name` (max_args -1: exactly
    min_args; None: any number)."""

    def register(impl: Callable) -> Callable:
        top = min_args if max_args == -1 else max_args
        FUNCTIONS[name] = Spec(name, min_args, top, impl, **options)
        return impl

    return register


def join_types(types: list[str]) -> str:
    """One type for values that may come from any of several branches."""
    found = {t for t in types if t != "blank"}
    return found.pop() if len(found) == 1 else "mixed"


def arity_text(spec: Spec) -> str:
    if spec.pairs:
        return "pairs of a condition and a value"
    if spec.max_args == spec.min_args:
        count = spec.min_args
        return f"{count} argument" + ("" if count == 1 else "s")
    if spec.max_args is None:
        return f"at least {spec.min_args} argument" + ("" if spec.min_args == 1 else "s")
    joiner = "or" if spec.max_args == spec.min_args + 1 else "to"
    return f"{spec.min_args} {joiner} {spec.max_args} arguments"


# The families register themselves on import.
from sheets.formulas.functions import dates, logic, lookup, mathematics, text  # noqa: E402, F401
