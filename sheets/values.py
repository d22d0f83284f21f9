"""Cell values per column type: validation of input and conversion between types.

Stored forms (JSON): text -> str, number -> int or float, date -> "YYYY-MM-DD",
checkbox -> bool. An empty cell is absent, never stored.
"""

import datetime
import math
import re
from typing import Any

from django.conf import settings

from proj.text import refusal, unstorable

EMPTY = object()  # the cell is cleared

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# A number where the decimal mark is a comma and dots group thousands: 1.234,5
COMMA_NUMBER_RE = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_TRUE = {"true", "yes", "y", "1", "x", "✓"}
_FALSE = {"false", "no", "n", "0"}


class InvalidValue(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _describe(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def clean_text(value: Any) -> Any:
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        value = format_number(value)
    if not isinstance(value, str):
        raise InvalidValue("invalid_type", "A text cell takes a string.")
    if value == "":
        return EMPTY
    _check_storable(value)
    if len(value) > settings.MAX_CELL_CHARS:
        raise InvalidValue("too_long", f"Text is longer than {settings.MAX_CELL_CHARS} characters.")
    return value


def _check_storable(text: str) -> None:
    if message := refusal(text, "Text"):
        raise InvalidValue("invalid_text", message)


def clean_texts(texts: list[str]) -> list[Any]:
    """`clean_text` over a column of strings (an import) in a few C-speed
    passes; any string it would refuse sends the column through it one by one."""
    if unstorable("".join(texts)) or max(map(len, texts), default=0) > settings.MAX_CELL_CHARS:
        return [clean_text(t) for t in texts]
    return [t or EMPTY for t in texts]


def clean_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise InvalidValue("not_a_number", f"“{_describe(value)}” is not a number.")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text == "":
            return EMPTY
        if not _NUMBER_RE.match(text):
            raise InvalidValue("not_a_number", f"“{_describe(value)}” is not a number.")
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:  # int() refuses more than 4300 digits
            raise InvalidValue("out_of_range", "The number is too large.") from None
    else:
        raise InvalidValue("not_a_number", "A number cell takes a number.")
    if isinstance(number, float):
        if not math.isfinite(number):
            raise InvalidValue("not_a_number", "A number must be finite.")
        if number.is_integer() and abs(number) < 2**53:
            number = int(number)
    elif abs(number) >= 2**53:
        # Larger integers would lose digits in the browser.
        raise InvalidValue("out_of_range", "The number is too large.")
    return number


# In a decimal-comma file a space (or a no-break space, as French spreadsheet
# apps write) may group thousands like a dot: 1 234 567,5.
_SPACE_GROUP = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?:\D|$))")


def ungroup_spaces(text: str) -> str:
    """A decimal-comma number's text without the spaces that group its
    thousands (and without spaces around it): `1 234,5` is `1234,5`."""
    text = text.strip()
    if " " in text or "\u00a0" in text or "\u202f" in text:
        return _SPACE_GROUP.sub("", text)
    return text


def clean_decimal_comma_number(value: Any) -> Any:
    """`clean_number` for a file written with a decimal comma (1.234,5 and
    1 234,5 are 1234.5). There a decimal point is no number: 1.5 is refused,
    1.234 is 1234."""
    if not isinstance(value, str):
        return clean_number(value)
    text = ungroup_spaces(value)
    if text and not COMMA_NUMBER_RE.match(text):
        raise InvalidValue(
            "not_a_number",
            f"“{_describe(value)}” is not a number written with a decimal comma (like 1.234,5).",
        )
    return clean_number(text.replace(".", "").replace(",", "."))


def clean_date(value: Any) -> Any:
    if not isinstance(value, str):
        raise InvalidValue("not_a_date", "A date cell takes a date as YYYY-MM-DD.")
    text = value.strip()
    if text == "":
        return EMPTY
    try:
        if not _DATE_RE.match(text):
            raise ValueError
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidValue(
            "not_a_date", f"“{_describe(value)}” is not a date (YYYY-MM-DD)."
        ) from None


def clean_checkbox(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "":
            return EMPTY
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise InvalidValue("not_a_checkbox", f"“{_describe(value)}” is not true or false.")


CLEANERS = {
    "text": clean_text,
    "number": clean_number,
    "date": clean_date,
    "checkbox": clean_checkbox,
}


# A file's number cleaner by its decimal mark (sheets/io/sniffing.py finds it).
NUMBER_CLEANERS = {".": clean_number, ",": clean_decimal_comma_number}


def clean(column_type: str, value: Any) -> Any:
    """The stored form of `value`, EMPTY for a cleared cell, or InvalidValue.
    Every cell value a service writes passes here: text that cannot be
    stored is refused whatever the column's type (proj/text.py)."""
    if value is None:
        return EMPTY
    if isinstance(value, str):
        _check_storable(value)
    return CLEANERS[column_type](value)


def format_number(number: int | float) -> str:
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number) if isinstance(number, float) else str(number)


def convert(value: Any, from_type: str, to_type: str) -> Any:
    """A stored value converted to another column type, or InvalidValue."""
    if from_type == to_type:
        return value
    if to_type == "text":
        return clean_text(value)
    if to_type == "number" and from_type == "checkbox":
        return 1 if value else 0
    if to_type == "checkbox" and from_type == "number":
        if value in (0, 1):
            return bool(value)
        raise InvalidValue("not_a_checkbox", f"“{_describe(value)}” is not 0 or 1.")
    if from_type in ("text",):
        return clean(to_type, value)
    raise InvalidValue(
        "not_convertible", f"A {from_type} value “{_describe(value)}” cannot become a {to_type}."
    )
