"""Error values (results that propagate like any other value) and the
syntax error refused when a formula is saved."""

from dataclasses import dataclass

DIV0 = "#DIV/0!"
VALUE = "#VALUE!"
NAME = "#NAME?"
REF = "#REF!"
NUM = "#NUM!"
NA = "#N/A"
CYCLE = "#CYCLE!"

CODES = (DIV0, VALUE, NAME, REF, NUM, NA, CYCLE)


@dataclass(frozen=True)
class ErrorValue:
    """A cell's error: `code` as spreadsheets show it, `message` says why."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.code


class FormulaSyntaxError(ValueError):
    """A formula refused when it is saved: bad syntax, or over a limit."""

    def __init__(self, message: str, position: int, expected: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        self.expected = list(expected or [])


NOTHING = object()  # Fail was raised about no particular value


class Fail(Exception):  # noqa: N818 - an internal signal, never seen outside the package
    """Raised inside an operator or function to return an error value; the
    call site catches it. `value` is the argument that caused it, when one
    did, so the message can name the column it came from."""

    def __init__(self, code: str, reason: str, value: object = NOTHING):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.value = value


class TooMuchWork(Exception):  # noqa: N818 - unwinds a whole evaluation
    """More node evaluations than Limits.max_steps."""
