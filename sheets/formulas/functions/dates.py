"""Date functions. Dates are datetime.date inside the evaluator; a number
where a date is expected is a spreadsheet serial (days since 1899-12-30) and
text must be written YYYY-MM-DD."""

import calendar
import datetime

from sheets.formulas.errors import NUM, Fail
from sheets.formulas.functions import function
from sheets.formulas.values import show, to_date, to_int, to_text


@function("TODAY", 0, ctx=True, returns="date")
def today(ctx):
    return ctx.today


@function("NOW", 0, ctx=True, returns="mixed")
def now(ctx):
    return ctx.now


def _build(year: int, month: int, day: int) -> datetime.date:
    months = year * 12 + month - 1
    year, month = divmod(months, 12)
    if not 1 <= year <= 9999:
        raise Fail(NUM, f"The year {year} is out of range (1900 to 9999)")
    try:
        return datetime.date(year, month + 1, 1) + datetime.timedelta(days=day - 1)
    except OverflowError:
        raise Fail(NUM, "The date is out of range") from None


@function("DATE", 3, returns="date")
def date(year, month, day):
    y = to_int(year)
    if 0 <= y < 1900:  # as spreadsheets: DATE(24, 1, 1) is 1924
        y += 1900
    if y < 0:
        raise Fail(NUM, "is negative: not a year", year)
    return _build(y, to_int(month), to_int(day))


# Spreadsheets read a blank date as day 0, "1900-01-00".
@function("YEAR", 1, returns="number")
def year(value):
    return 1900 if value is None else to_date(value).year


@function("MONTH", 1, returns="number")
def month(value):
    return 1 if value is None else to_date(value).month


@function("DAY", 1, returns="number")
def day(value):
    return 0 if value is None else to_date(value).day


_WEEK_STARTS = {1: 6, 2: 0, 3: 0, 11: 0, 12: 1, 13: 2, 14: 3, 15: 4, 16: 5, 17: 6}


@function("WEEKDAY", 1, 2, returns="number")
def weekday(value, kind=1):
    code = to_int(kind)
    if code not in _WEEK_STARTS:
        raise Fail(NUM, "is not a WEEKDAY type (1, 2, 3 or 11 to 17)", kind)
    number = (to_date(value).weekday() - _WEEK_STARTS[code]) % 7
    return number if code == 3 else number + 1


def _add_months(start: datetime.date, months: int) -> datetime.date:
    total = start.year * 12 + start.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise Fail(NUM, "The date is out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(start.day, last))


@function("EDATE", 2, returns="date")
def edate(start, months):
    return _add_months(to_date(start), to_int(months))


@function("EOMONTH", 2, returns="date")
def eomonth(start, months):
    moved = _add_months(to_date(start).replace(day=1), to_int(months))
    return moved.replace(day=calendar.monthrange(moved.year, moved.month)[1])


@function("DAYS", 2, returns="number")
def days(end, start):
    return (to_date(end) - to_date(start)).days


def _months_between(start: datetime.date, end: datetime.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


@function("DATEDIF", 3, returns="number")
def datedif(start, end, unit):
    first, last, code = to_date(start), to_date(end), to_text(unit).upper()
    if first > last:
        raise Fail(NUM, "the start date is after the end date")
    if code == "D":
        return (last - first).days
    if code == "M":
        return _months_between(first, last)
    if code == "Y":
        return _months_between(first, last) // 12
    if code == "YM":
        return _months_between(first, last) % 12
    if code == "MD":
        if last.day >= first.day:
            return last.day - first.day
        previous = last.replace(day=1) - datetime.timedelta(days=1)
        return (last - previous.replace(day=min(first.day, previous.day))).days
    if code == "YD":
        try:
            shifted = first.replace(year=last.year)
        except ValueError:  # 29 February in a year without one
            shifted = datetime.date(last.year, 3, 1)
        if shifted > last:
            try:
                shifted = first.replace(year=last.year - 1)
            except ValueError:
                shifted = datetime.date(last.year - 1, 3, 1)
        return (last - shifted).days
    raise Fail(NUM, f"{show(to_text(unit))} is not a unit (Y, M, D, MD, YM or YD)")


def _weekdays_through(day: datetime.date) -> int:
    """Monday-to-Friday days from a fixed Monday up to `day`, inclusive."""
    weeks, rest = divmod(day.toordinal() - 1, 7)  # ordinal 1 is a Monday
    return weeks * 5 + min(rest + 1, 5)


@function("NETWORKDAYS", 2, 3, returns="number")
def networkdays(start, end, holiday=None):
    first, last = to_date(start), to_date(end)
    sign = 1
    if first > last:
        first, last, sign = last, first, -1
    count = _weekdays_through(last) - _weekdays_through(first - datetime.timedelta(days=1))
    if holiday is not None:
        off = to_date(holiday)
        if first <= off <= last and off.weekday() < 5:
            count -= 1
    return sign * count
