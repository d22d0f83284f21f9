"""Spreadsheet coercions between the evaluator's values.

Inside the evaluator a value is None (blank), bool, int, float, str,
datetime.date, datetime.datetime or ErrorValue. The helpers raise Fail for a
value of the wrong kind; the caller turns that into an error value."""

import datetime
import math
import re
import sys
from decimal import Context as DecimalContext
from decimal import Decimal

from sheets.formulas.errors import NUM, VALUE, ErrorValue, Fail

EPOCH = datetime.date(1899, 12, 30)  # day 0 of spreadsheet date serials
EPOCH_TIME = datetime.datetime(1899, 12, 30)
_NUMBER_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_BIG = 2**53
_LARGEST = sys.float_info.max  # beyond it (and NaN) is not a number


def show(value: object) -> str:
    """A value quoted for a message."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "…"
        return '"' + text.replace('"', '""') + '"'
    return to_text(value)


def kind(value: object) -> str:
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "a checkbox"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime.datetime):
        return "a date and time"
    if isinstance(value, datetime.date):
        return "a date"
    return "an error"


def serial(value: datetime.date) -> int | float:
    """A date (or date and time) as a spreadsheet serial number of days; a
    time with a time zone counts by its wall clock."""
    if isinstance(value, datetime.datetime):
        delta = value.replace(tzinfo=None) - EPOCH_TIME
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return (value - EPOCH).days


def from_serial(number: float) -> datetime.date:
    try:
        return EPOCH + datetime.timedelta(days=math.floor(number))
    except (OverflowError, ValueError):
        raise Fail(NUM, f"{format_number(number)} is not a date this sheet can show") from None


def parse_number(text: str) -> int | float | None:
    if not _NUMBER_RE.match(text):
        return None
    text = text.strip()
    if len(text) > 16 or any(c in text for c in ".eE"):  # long whole numbers as floats too
        number = float(text)
        return number if math.isfinite(number) else None
    return int(text)


def to_number(value: object) -> int | float:
    """A value in arithmetic: blank is 0, TRUE is 1, text must read as a number."""
    cls = value.__class__
    if cls is int:
        return value
    if cls is float:
        return check_number(value)
    if value is None:
        return 0
    if cls is bool:
        return int(value)
    if cls is str:
        number = parse_number(value)
        if number is None:
            raise Fail(VALUE, f"is text, not a number: {show(value)}", value)
        return number
    if isinstance(value, datetime.date):
        return serial(value)
    raise Fail(VALUE, f"is {kind(value)}, not a number", value)


def to_int(value: object) -> int:
    number = to_number(value)
    return math.trunc(number)


def to_text(value: object) -> str:
    """A value as text: blank is "", numbers without a trailing .0, dates as YYYY-MM-DD."""
    cls = value.__class__
    if cls is str:
        return value
    if value is None:
        return ""
    if cls is bool:
        return "TRUE" if value else "FALSE"
    if cls is int or cls is float:
        return format_number(value)
    if cls is datetime.datetime:
        return value.isoformat(sep=" ", timespec="seconds")
    if cls is datetime.date:
        return value.isoformat()
    raise Fail(VALUE, f"is {kind(value)}, not text", value)


def format_number(number: int | float) -> str:
    """Up to 15 significant digits, as spreadsheets show a number in General format."""
    if isinstance(number, int):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = format(number, ".15g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}E{exponent}"
    return text


def to_bool(value: object) -> bool:
    """A value as a condition: blank is FALSE, numbers are TRUE unless 0,
    text must be TRUE or FALSE."""
    cls = value.__class__
    if cls is bool:
        return value
    if value is None:
        return False
    if cls is int or cls is float:
        return value != 0
    if cls is str:
        upper = value.upper()
        if upper == "TRUE":
            return True
        if upper == "FALSE":
            return False
        raise Fail(VALUE, f"is text, not TRUE or FALSE: {show(value)}", value)
    if isinstance(value, datetime.date):
        return True
    raise Fail(VALUE, f"is {kind(value)}, not TRUE or FALSE", value)


def to_date(value: object) -> datetime.date:
    """A value as a date: a date, a serial number, or text written YYYY-MM-DD."""
    cls = value.__class__
    if cls is datetime.date:
        return value
    if cls is datetime.datetime:
        return value.date()
    if cls is str:
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            number = parse_number(value)
            if number is None:
                raise Fail(VALUE, f"is text, not a date: {show(value)}", value) from None
            return from_serial(number)
    if value is None:
        return EPOCH
    if cls is bool:
        raise Fail(VALUE, "is a checkbox, not a date", value)
    if cls is int or cls is float:
        if value < 0:
            raise Fail(NUM, f"is not a date: {format_number(value)}", value)
        return from_serial(value)
    raise Fail(VALUE, f"is {kind(value)}, not a date", value)


def finish(value: object) -> object:
    """The result the caller stores: integral floats as ints, no infinities."""
    if value.__class__ is float:
        if not math.isfinite(value):
            return ErrorValue(NUM, "The result is too large to be a number")
        if value.is_integer() and -_BIG < value < _BIG:
            return int(value)
    elif value.__class__ is int and not -_BIG < value < _BIG:
        return float(value)
    return value


def check_number(number: float) -> float:
    if number.__class__ is float and not -_LARGEST <= number <= _LARGEST:
        raise Fail(NUM, "The result is too large to be a number")
    return number


def round_half_up(value: float, places: int) -> float | None:
    """`value` rounded to `places` digits, halves away from zero, in float
    arithmetic; None when it is too close to a half for floats to tell (2.345
    is 2.34499.. as a float: the caller decides with Decimal)."""
    scale = 10.0**places
    scaled = abs(value) * scale
    if scaled >= 1e8:  # too few digits left after the point to tell a half from 15 digits
        return None
    whole = math.floor(scaled)
    if abs(scaled - whole - 0.5) < 1e-6:
        return None
    rounded = whole + 1 if scaled - whole > 0.5 else whole
    result = rounded / scale if places >= 0 else rounded * 10.0 ** (-places)
    return -result if value < 0 else result


# Decimal arithmetic wide enough for any float at any rounding place (1e308 to 1e-300).
WIDE = DecimalContext(prec=700)


def to_decimal(number: int | float) -> Decimal:
    """A number as a Decimal to the 15 significant digits spreadsheets keep,
    so 0.0285*100 (2.8499999999999996 as a float) rounds as 2.85 does."""
    if isinstance(number, float):
        return Decimal(format(number, ".15g"))
    return Decimal(number)
