"""Sums and counts over their arguments, rounding, and the arithmetic functions."""

import datetime
import math
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)

from sheets.formulas.errors import DIV0, NUM, Fail
from sheets.formulas.functions import function
from sheets.formulas.operators import power
from sheets.formulas.values import (
    WIDE,
    check_number,
    from_serial,
    round_half_up,
    serial,
    to_decimal,
    to_int,
    to_number,
)


def numbers(values, from_ref):
    """The numbers among the arguments as spreadsheets count them: a cell
    counts only when it holds a number (or a date); an argument typed in the
    formula also counts as TRUE=1 or as text that reads as a number."""
    found = []
    for value, is_ref in zip(values, from_ref, strict=True):
        cls = value.__class__
        if cls is int or cls is float:
            found.append(value)
        elif isinstance(value, datetime.date):
            found.append(serial(value))
        elif not is_ref and value is not None:
            found.append(to_number(value))
    return found


@function("SUM", 1, None, refs=True, returns="number")
def sum_(values, from_ref):
    return _total(numbers(values, from_ref))


def _total(found: list) -> int | float:
    if not any(n.__class__ is float for n in found):
        return sum(found)
    try:
        return check_number(math.fsum(found))  # exact: 0.1 + 0.2 + 0.3 is 0.6
    except OverflowError:
        raise Fail(NUM, "The sum is too large to be a number") from None


@function("AVERAGE", 1, None, refs=True, returns="number")
def average(values, from_ref):
    found = numbers(values, from_ref)
    if not found:
        raise Fail(DIV0, "no numbers to average")
    return check_number(_total(found) / len(found))


def _extreme(values, from_ref, pick):
    found = numbers(values, from_ref)
    if not found:
        return 0
    result = pick(found)
    counted = [
        v
        for v, is_ref in zip(values, from_ref, strict=True)
        if v is not None and not (is_ref and v.__class__ in (str, bool))
    ]
    if all(isinstance(v, datetime.date) for v in counted):
        return from_serial(result)  # the extreme of dates is a date
    return result


def _extreme_type(types):
    return "date" if types and all(t == "date" for t in types) else "number"


@function("MIN", 1, None, refs=True, returns=_extreme_type)
def min_(values, from_ref):
    return _extreme(values, from_ref, min)


@function("MAX", 1, None, refs=True, returns=_extreme_type)
def max_(values, from_ref):
    return _extreme(values, from_ref, max)


@function("COUNT", 1, None, refs=True, raw=True, returns="number")
def count(values, from_ref):
    total = 0
    for value, is_ref in zip(values, from_ref, strict=True):
        cls = value.__class__
        if cls is int or cls is float or isinstance(value, datetime.date):
            total += 1
        elif not is_ref and cls is bool:
            total += 1
        elif not is_ref and cls is str:
            try:
                to_number(value)
                total += 1
            except Fail:
                pass
    return total


@function("COUNTA", 1, None, refs=True, raw=True, returns="number")
def counta(values, from_ref):
    pairs = zip(values, from_ref, strict=True)
    return sum(1 for value, is_ref in pairs if not (is_ref and value is None))


def _back(number: Decimal):
    if number == number.to_integral_value() and abs(number) < 2**53:
        return int(number)
    return check_number(float(number))


def _round(number, digits, mode):
    value, places = to_number(number), to_int(digits)
    if abs(places) > 300:
        raise Fail(NUM, f"cannot round to {places} digits", digits)
    if mode is ROUND_HALF_UP and abs(value) < 1e15 and -15 < places < 15:
        fast = round_half_up(value, places)
        if fast is not None:
            return fast
    with localcontext(WIDE):
        step = Decimal(1).scaleb(-places)
        quotient = (to_decimal(value) / step).quantize(Decimal(1), rounding=mode)
        return _back(quotient * step)


@function("ROUND", 1, 2, returns="number")
def round_(number, digits=0):
    return _round(number, digits, ROUND_HALF_UP)


@function("ROUNDUP", 1, 2, returns="number")
def roundup(number, digits=0):
    return _round(number, digits, ROUND_UP)


@function("ROUNDDOWN", 1, 2, returns="number")
def rounddown(number, digits=0):
    return _round(number, digits, ROUND_DOWN)


@function("INT", 1, returns="number")
def int_(number):
    return math.floor(to_number(number))


@function("MOD", 2, returns="number")
def mod(number, divisor):
    a, b = to_number(number), to_number(divisor)
    if b == 0:
        raise Fail(DIV0, "is zero: division by zero", divisor)
    if isinstance(a, int) and isinstance(b, int):
        return a % b
    with localcontext(WIDE):
        exact_a, exact_b = to_decimal(a), to_decimal(b)
        quotient = (exact_a / exact_b).to_integral_value(rounding=ROUND_FLOOR)
        return check_number(_back(exact_a - exact_b * quotient))


@function("ABS", 1, returns="number")
def abs_(number):
    return abs(to_number(number))


@function("SQRT", 1, returns="number")
def sqrt(number):
    value = to_number(number)
    if value < 0:
        raise Fail(NUM, "is negative: it has no square root", number)
    return math.sqrt(value)


@function("POWER", 2, returns="number")
def power_(base, exponent):
    return power(base, exponent)


@function("EXP", 1, returns="number")
def exp(number):
    try:
        return math.exp(to_number(number))
    except OverflowError:
        raise Fail(NUM, "The result is too large to be a number") from None


def _positive(number):
    value = to_number(number)
    if value <= 0:
        raise Fail(NUM, "is not positive: it has no logarithm", number)
    return value


@function("LN", 1, returns="number")
def ln(number):
    return math.log(_positive(number))


@function("LOG10", 1, returns="number")
def log10(number):
    return math.log10(_positive(number))


@function("SIGN", 1, returns="number")
def sign(number):
    value = to_number(number)
    return (value > 0) - (value < 0)


def _to_multiple(number, significance, up: bool):
    value, step = to_number(number), to_number(significance)
    if step == 0:
        if up:
            return 0
        raise Fail(DIV0, "a multiple of 0: division by zero")
    if value > 0 and step < 0:
        raise Fail(NUM, "a positive number cannot go to a negative multiple")
    # A negative multiple rounds a negative number away from zero (CEILING) or toward it (FLOOR).
    if step < 0:
        mode = ROUND_UP if up else ROUND_DOWN
    else:
        mode = ROUND_CEILING if up else ROUND_FLOOR
    with localcontext(WIDE):
        exact = to_decimal(step)
        return _back((to_decimal(value) / exact).quantize(Decimal(1), rounding=mode) * exact)


@function("CEILING", 1, 2, returns="number")
def ceiling(number, significance=1):
    return _to_multiple(number, significance, up=True)


@function("FLOOR", 1, 2, returns="number")
def floor(number, significance=1):
    return _to_multiple(number, significance, up=False)
