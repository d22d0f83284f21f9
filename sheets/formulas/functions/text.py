"""Text functions. Positions count characters from 1, as in spreadsheets."""

import datetime
import re

from sheets.formulas.errors import VALUE, Fail
from sheets.formulas.functions import function
from sheets.formulas.textformat import format_value
from sheets.formulas.values import parse_number, serial, show, to_bool, to_int, to_text


def _count(value, name: str) -> int:
    count = to_int(value)
    if count < 0:
        raise Fail(VALUE, f"is negative: {name} needs 0 or more", value)
    return count


def _position(value) -> int:
    position = to_int(value)
    if position < 1:
        raise Fail(VALUE, "is less than 1: positions start at 1", value)
    return position


def _fits(length: int, ctx) -> None:
    if length > ctx.limits.max_text:
        raise Fail(VALUE, f"The text would be longer than {ctx.limits.max_text} characters")


@function("LEN", 1, returns="number")
def len_(text):
    return len(to_text(text))


@function("LEFT", 1, 2, returns="text")
def left(text, count=1):
    return to_text(text)[: _count(count, "a number of characters")]


@function("RIGHT", 1, 2, returns="text")
def right(text, count=1):
    n = _count(count, "a number of characters")
    return to_text(text)[-n:] if n else ""


@function("MID", 3, returns="text")
def mid(text, start, count):
    first = _position(start) - 1
    return to_text(text)[first : first + _count(count, "a number of characters")]


@function("UPPER", 1, returns="text")
def upper(text):
    return to_text(text).upper()


@function("LOWER", 1, returns="text")
def lower(text):
    return to_text(text).lower()


@function("PROPER", 1, returns="text")
def proper(text):
    # A letter after anything that is not a letter starts a word ("o'neil" is "O'Neil").
    return to_text(text).title()


@function("TRIM", 1, returns="text")
def trim(text):
    return re.sub(" {2,}", " ", to_text(text).strip(" "))


@function("CONCAT", 1, None, ctx=True, returns="text")
def concat(ctx, *values):
    texts = [to_text(value) for value in values]
    _fits(sum(map(len, texts)), ctx)
    return "".join(texts)


@function("CONCATENATE", 1, None, ctx=True, returns="text")
def concatenate(ctx, *values):
    return concat(ctx, *values)


@function("TEXTJOIN", 3, None, ctx=True, returns="text")
def textjoin(ctx, delimiter, ignore_empty, *values):
    separator = to_text(delimiter)
    texts = [to_text(value) for value in values]
    if to_bool(ignore_empty):
        texts = [text for text in texts if text]
    _fits(sum(map(len, texts)) + len(separator) * max(len(texts) - 1, 0), ctx)
    return separator.join(texts)


@function("SUBSTITUTE", 3, 4, ctx=True, returns="text")
def substitute(ctx, text, old, new, instance=None):
    source, find, replacement = to_text(text), to_text(old), to_text(new)
    if not find:
        return source
    if instance is not None:
        nth = _position(instance)
        at = -1
        for _ in range(nth):
            at = source.find(find, at + 1)
            if at < 0:
                return source
        return source[:at] + replacement + source[at + len(find) :]
    _fits(len(source) + source.count(find) * (len(replacement) - len(find)), ctx)
    return source.replace(find, replacement)


@function("REPLACE", 4, ctx=True, returns="text")
def replace(ctx, text, start, count, new):
    source, first = to_text(text), _position(start) - 1
    n, replacement = _count(count, "a number of characters"), to_text(new)
    _fits(len(source) + len(replacement), ctx)
    return source[:first] + replacement + source[first + n :]


def _start(value, within: str) -> int:
    start = _position(value)
    if start > len(within) + 1:
        raise Fail(VALUE, "is past the end of the text", value)
    return start - 1


@function("FIND", 2, 3, returns="number")
def find(needle, haystack, start=1):
    within, what = to_text(haystack), to_text(needle)
    at = within.find(what, _start(start, within))
    if at < 0:
        raise Fail(VALUE, f"{show(what)} is not in {show(within)}")
    return at + 1


def _wildcards(pattern: str) -> re.Pattern:
    """SEARCH's pattern: ? is any character, * any run, ~ escapes them."""
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "~":
            escaped = True
        elif char == "?":
            parts.append(".")
        elif char == "*":
            parts.append(".*?")
        else:
            parts.append(re.escape(char))
    if escaped:
        parts.append(re.escape("~"))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@function("SEARCH", 2, 3, returns="number")
def search(needle, haystack, start=1):
    within, what = to_text(haystack), to_text(needle)
    found = _wildcards(what).search(within, _start(start, within))
    if found is None:
        raise Fail(VALUE, f"{show(what)} is not in {show(within)}")
    return found.start() + 1


@function("REPT", 2, ctx=True, returns="text")
def rept(ctx, text, times):
    source, count = to_text(text), _count(times, "a number of times")
    if not source:
        return ""
    _fits(len(source) * count, ctx)
    return source * count


@function("TEXT", 2, returns="text")
def text_(value, pattern):
    return format_value(value, to_text(pattern))


_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


@function("VALUE", 1, returns="number")
def value_(value):
    cls = value.__class__
    if cls is int or cls is float:
        return value
    if value is None:
        return 0
    if cls is not str:
        if cls is bool:
            raise Fail(VALUE, "is a checkbox, not text that reads as a number", value)
        return serial(value)
    text = value.strip()
    scale = 1
    if text.endswith("%"):
        text, scale = text[:-1].strip(), 100
    if _GROUPED.match(text):
        text = text.replace(",", "")
    number = parse_number(text)
    if number is not None:
        return number / scale if scale != 1 else number
    try:
        return serial(datetime.date.fromisoformat(text))
    except ValueError:
        raise Fail(VALUE, f"is text, not a number: {show(value)}", value) from None


@function("EXACT", 2, returns="checkbox")
def exact(a, b):
    return to_text(a) == to_text(b)
