"""The operators on two values, with spreadsheet coercions. Each raises Fail
for a value of the wrong kind (the caller turns it into an error value)."""

import datetime
import math

from sheets.formulas.errors import DIV0, NUM, VALUE, Fail
from sheets.formulas.values import check_number, serial, to_number, to_text

_date = datetime.date
_datetime = datetime.datetime
_timedelta = datetime.timedelta


def _is_date(value: object) -> bool:
    return value.__class__ is _date or value.__class__ is _datetime


def _shift(day: datetime.date, days: float) -> datetime.date:
    try:
        if day.__class__ is _datetime:
            return day + _timedelta(days=days)
        return day + _timedelta(days=math.floor(days))
    except OverflowError:
        raise Fail(NUM, "The date is out of range") from None


def _days_between(a: datetime.date, b: datetime.date) -> int | float:
    if a.__class__ is _date and b.__class__ is _date:
        return (a - b).days
    return (_moment(a) - _moment(b)) / _timedelta(days=1)


def _moment(day: datetime.date) -> datetime.datetime:
    if day.__class__ is _datetime:
        return day.replace(tzinfo=None)
    return _datetime(day.year, day.month, day.day)


def add(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return check_number(a + b)
    if _is_date(a) and not _is_date(b):
        return _shift(a, to_number(b))
    if _is_date(b) and not _is_date(a):
        return _shift(b, to_number(a))
    return check_number(to_number(a) + to_number(b))


def sub(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return check_number(a - b)
    if _is_date(a):
        if _is_date(b):
            return _days_between(a, b)
        return _shift(a, -to_number(b))
    return check_number(to_number(a) - to_number(b))


def mul(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return check_number(a * b)
    return check_number(to_number(a) * to_number(b))


def div(a, b):
    divisor = to_number(b)
    dividend = to_number(a)
    if divisor == 0:
        raise Fail(DIV0, ("is blank" if b is None else "is zero") + ": division by zero", b)
    try:
        return check_number(dividend / divisor)
    except OverflowError:  # a whole number too large for a float
        raise Fail(NUM, "The result of / is too large to be a number") from None


def power(a, b):
    base, exponent = to_number(a), to_number(b)
    if base == 0 and exponent == 0:
        raise Fail(NUM, "0^0 is not a number")
    if base == 0 and exponent < 0:
        raise Fail(DIV0, "0 to a negative power: division by zero")
    try:
        result = math.pow(base, exponent)
    except OverflowError:
        raise Fail(NUM, "The result of ^ is too large to be a number") from None
    except ValueError:
        raise Fail(NUM, "A negative number to a fractional power is not a number") from None
    return result


def concat(a, b):
    return to_text(a) + to_text(b)


# Across kinds spreadsheets order numbers (and dates) < text < TRUE/FALSE.
def _rank(value):
    cls = value.__class__
    if cls is int or cls is float:
        return 0, value
    if cls is str:
        return 1, value.casefold()
    if cls is bool:
        return 2, value
    return 0, serial(value)  # dates and times


def _blank_like(other):
    cls = other.__class__
    if cls is str:
        return ""
    if cls is bool:
        return False
    return 0


def compare(a, b) -> int:
    """-1, 0 or 1 as spreadsheets compare: text without case, blank as the
    other side's empty value."""
    if a is None:
        a = _blank_like(b)
    if b is None:
        b = _blank_like(a)
    ka, kb = _rank(a), _rank(b)
    if ka < kb:
        return -1
    return 1 if ka > kb else 0


def eq(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return a == b
    return compare(a, b) == 0


def ne(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return a != b
    return compare(a, b) != 0


def lt(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return a < b
    return compare(a, b) < 0


def le(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return a <= b
    return compare(a, b) <= 0


def gt(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return a > b
    return compare(a, b) > 0


def ge(a, b):
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        return a >= b
    return compare(a, b) >= 0


BINARY = {
    "+": add,
    "-": sub,
    "*": mul,
    "/": div,
    "^": power,
    "&": concat,
    "=": eq,
    "<>": ne,
    "<": lt,
    "<=": le,
    ">": gt,
    ">=": ge,
}


def negate(a):
    if _is_date(a):
        return -serial(a)
    return -to_number(a)


def percent(a):
    return div(a, 100)


def check_text(text, limit: int):
    if text.__class__ is str and len(text) > limit:
        raise Fail(VALUE, f"The text would be longer than {limit} characters")
    return text
