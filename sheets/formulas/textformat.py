"""TEXT's format patterns: number patterns (0 # , . % E+00 and literal text)
and date patterns (yyyy mm dd hh:mm:ss AM/PM, month and day names)."""

import datetime
import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from sheets.formulas.errors import VALUE, Fail
from sheets.formulas.values import (
    EPOCH_TIME,
    WIDE,
    parse_number,
    round_half_up,
    serial,
    to_date,
    to_decimal,
    to_text,
)

_MONTHS = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# A pattern's pieces: quoted text, an escaped character, a run of one date letter,
# AM/PM, a number run, or any other character (kept as written).
_TOKEN = re.compile(
    r'"(?P<quoted>[^"]*)"|\\(?P<escaped>.)|(?P<ampm>AM/PM|am/pm|A/P|a/p)'
    r"|(?P<date>y+|Y+|m+|M+|d+|D+|h+|H+|s+|S+)|(?P<science>[eE][+-]0+)|(?P<number>[0#?.,]+)"
    r"|(?P<other>.)",
    re.DOTALL,
)


def _sections(pattern: str) -> list[str]:
    sections, current, quoted = [], [], False
    for char in pattern:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


def _tokens(section: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group(m.lastgroup)) for m in _TOKEN.finditer(section)]


@functools.lru_cache(maxsize=256)
def _parsed(pattern: str):
    """A pattern's sections, its first section's tokens, and whether it is a
    date pattern (a column formats every row with the same pattern)."""
    sections = _sections(pattern)
    tokens = _tokens(sections[0])
    is_date = any(kind in ("date", "ampm") for kind, _ in tokens) and not any(
        kind == "number" and any(c in text for c in "0#?") for kind, text in tokens
    )
    return sections, tokens, is_date


def format_value(value: object, pattern: str) -> str:
    if pattern.strip().lower() in ("", "general"):
        return to_text(value)
    sections, tokens, is_date = _parsed(pattern)
    if is_date:
        return _format_date(value, tokens)
    number = _number(value)
    if number is None:  # text stays text, or fills a fourth section's @
        text = to_text(value)
        return sections[3].replace("@", text).replace('"', "") if len(sections) > 3 else text
    section = sections[0]
    if number < 0 and len(sections) > 1:
        section, number = sections[1], -number
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    return _format_number(number, _plan(section))


def _number(value):
    cls = value.__class__
    if cls is int or cls is float:
        return value
    if value is None:
        return 0
    if cls is bool:
        return int(value)
    if cls is str:
        return parse_number(value)
    return serial(value)


@dataclass(frozen=True)
class _NumberPlan:
    """A number section read once: the literal text around the number, the
    digits wanted on each side of the point, the scaling by % and trailing commas."""

    before: str
    after: str
    whole: str = ""
    fraction: str = ""
    places: int = 0
    scale: int = 0  # a power of ten: +2 per %, -3 per trailing comma
    science: str | None = None
    has_number: bool = False


@functools.lru_cache(maxsize=256)
def _plan(section: str) -> _NumberPlan:
    tokens = _tokens(section)
    before, after, run, science = [], [], None, None
    for kind, text in tokens:
        if kind == "number" and run is None:
            run = text
        elif kind == "science" and run is not None and science is None:
            science = text
        else:
            (before if run is None else after).append(_literal(kind, text))
    percent = sum(text.count("%") for kind, text in tokens if kind == "other")
    if run is None:
        return _NumberPlan("".join(before), "".join(after))
    whole, _, fraction = run.partition(".")
    commas = len(whole) - len(whole.rstrip(","))
    return _NumberPlan(
        "".join(before),
        "".join(after),
        whole.rstrip(","),
        fraction,
        sum(fraction.count(c) for c in "0#?"),
        2 * percent - 3 * commas,
        science,
        True,
    )


def _format_number(number, plan: _NumberPlan) -> str:
    if not plan.has_number:
        return plan.before + plan.after
    if plan.science:
        with localcontext(WIDE):
            scaled = to_decimal(number).scaleb(plan.scale)
            body = _scientific(scaled, plan.fraction, plan.places, plan.science)
    else:
        scaled = number * 10.0**plan.scale if plan.scale else number
        body = _fixed(scaled, plan.whole, plan.fraction, plan.places)
    sign = "-" if scaled < 0 and body.strip("0.,") else ""
    return sign + plan.before + body + plan.after


def _digits(number, places: int) -> tuple[str, str]:
    """abs(number) rounded to `places` decimals (halves away from zero), as
    its whole and fraction digits."""
    if places < 15 and abs(number) < 10**15:
        fast = round_half_up(float(number), places)
        if fast is not None:
            whole, _, fraction = f"{abs(fast):.{places}f}".partition(".")
            return whole, fraction
    exact = number if isinstance(number, Decimal) else to_decimal(number)
    with localcontext(WIDE):
        rounded = abs(exact).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    return whole, fraction


def _trim(fraction: str, pattern: str) -> str:
    keep = pattern.count("0")
    while len(fraction) > keep and fraction.endswith("0"):
        fraction = fraction[:-1]
    return fraction


def _fixed(scaled, whole_pattern: str, fraction_pattern: str, places: int) -> str:
    whole, fraction = _digits(scaled, places)
    minimum = whole_pattern.count("0")
    if whole == "0" and minimum == 0:
        whole = ""
    whole = whole.rjust(minimum, "0")
    if "," in whole_pattern and whole:
        whole = f"{int(whole):,}".rjust(minimum, "0")
    fraction = _trim(fraction, fraction_pattern)
    return whole + ("." + fraction if fraction_pattern or fraction else "")


def _scientific(scaled: Decimal, fraction_pattern, places, science) -> str:
    exponent = 0
    magnitude = abs(scaled)
    if magnitude:
        exponent = magnitude.adjusted()
    mantissa = magnitude.scaleb(-exponent)
    whole, fraction = _digits(mantissa, places)
    if whole == "10":
        exponent += 1
        whole, fraction = _digits(magnitude.scaleb(-exponent), places)
    fraction = _trim(fraction, fraction_pattern)
    sign = "-" if exponent < 0 else ("+" if "+" in science else "")
    digits = str(abs(exponent)).rjust(science.count("0"), "0")
    return whole + ("." + fraction if fraction else "") + "E" + sign + digits


def _literal(kind: str, text: str) -> str:
    return text  # quoted text and escaped characters are already unwrapped


def _moment(value) -> datetime.datetime:
    cls = value.__class__
    if cls is datetime.datetime:
        return value
    if cls is datetime.date:
        return datetime.datetime.combine(value, datetime.time())
    if cls is int or cls is float:
        if value < 0:
            raise Fail(VALUE, "is negative: not a date", value)
        try:
            return EPOCH_TIME + datetime.timedelta(days=value)
        except OverflowError:
            raise Fail(VALUE, "is not a date this sheet can show", value) from None
    return datetime.datetime.combine(to_date(value), datetime.time())


def _format_date(value, tokens) -> str:
    moment = _moment(value)
    twelve = any(kind == "ampm" for kind, _ in tokens)
    out = []
    for index, (kind, text) in enumerate(tokens):
        if kind == "ampm":
            pm = moment.hour >= 12
            upper = text[0].isupper()
            word = ("PM" if pm else "AM") if len(text) > 3 else ("P" if pm else "A")
            out.append(word if upper else word.lower())
        elif kind == "date":
            out.append(_date_part(moment, text.lower(), tokens, index, twelve))
        else:
            out.append(_literal(kind, text))
    return "".join(out)


def _is_minutes(tokens, index) -> bool:
    """m means minutes right after an hour or right before seconds."""
    before = [text.lower() for kind, text in tokens[:index] if kind == "date"]
    after = [text.lower() for kind, text in tokens[index + 1 :] if kind == "date"]
    return bool(before and before[-1][0] == "h") or bool(after and after[0][0] == "s")


def _date_part(moment: datetime.datetime, part: str, tokens, index, twelve) -> str:
    letter, size = part[0], len(part)
    if letter == "y":
        return f"{moment.year % 100:02d}" if size <= 2 else f"{moment.year:04d}"
    if letter == "m" and size <= 2 and _is_minutes(tokens, index):
        return f"{moment.minute:0{size}d}"
    if letter == "m":
        if size >= 5:
            return _MONTHS[moment.month - 1][0]
        if size == 4:
            return _MONTHS[moment.month - 1]
        if size == 3:
            return _MONTHS[moment.month - 1][:3]
        return f"{moment.month:0{size}d}"
    if letter == "d":
        if size >= 4:
            return _DAYS[moment.weekday()]
        if size == 3:
            return _DAYS[moment.weekday()][:3]
        return f"{moment.day:0{size}d}"
    if letter == "h":
        hour = moment.hour % 12 or 12 if twelve else moment.hour
        return f"{hour:0{min(size, 2)}d}"
    return f"{moment.second:0{min(size, 2)}d}"
