"""TEXT's format patterns: number patterns (0 # , . % E+00 and literal text)
and date patterns (yyyy mm dd hh:mm:ss AM/PM, month and day names)."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from sheets.formulas.errors import VALUE, Fail
from sheets.formulas.values import EPOCH_TIME, parse_number, serial, to_date, to_text

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


def format_value(value: object, pattern: str) -> str:
    if pattern.strip().lower() in ("", "general"):
        return to_text(value)
    sections = _sections(pattern)
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in _TOKEN.finditer(sections[0])]
    is_date = any(kind in ("date", "ampm") for kind, _ in tokens) and not any(
        kind == "number" and any(c in text for c in "0#?") for kind, text in tokens
    )
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
    tokens = [(m.lastgroup, m.group(m.lastgroup)) for m in _TOKEN.finditer(section)]
    return _format_number(number, tokens)


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


def _format_number(number, tokens) -> str:
    runs = [text for kind, text in tokens if kind == "number"]
    if not runs:
        return "".join(_literal(kind, text) for kind, text in tokens)
    run = runs[0]
    percent = sum(text.count("%") for kind, text in tokens if kind == "other")
    scaled = Decimal(repr(number) if isinstance(number, float) else number) * (100**percent)
    whole, _, fraction = run.partition(".")
    while whole.endswith(","):  # each trailing comma divides by a thousand
        whole, scaled = whole[:-1], scaled / 1000
    places = sum(fraction.count(c) for c in "0#?")
    science = next((text for kind, text in tokens if kind == "science"), None)
    if science:
        body = _scientific(scaled, whole, fraction, places, science)
    else:
        body = _fixed(scaled, whole, fraction, places)
    out, placed = [], False
    for kind, text in tokens:
        if kind == "number" and not placed:
            out.append(body)
            placed = True
        elif kind != "science" and kind != "number":
            out.append(_literal(kind, text))
    sign = "-" if scaled < 0 and body.strip("0.,") else ""
    return sign + "".join(out)


def _digits(scaled: Decimal, places: int) -> tuple[str, str]:
    rounded = abs(scaled).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    whole, _, fraction = text.partition(".")
    return whole, fraction


def _trim(fraction: str, pattern: str) -> str:
    keep = pattern.count("0")
    while len(fraction) > keep and fraction.endswith("0"):
        fraction = fraction[:-1]
    return fraction


def _fixed(scaled: Decimal, whole_pattern: str, fraction_pattern: str, places: int) -> str:
    whole, fraction = _digits(scaled, places)
    minimum = whole_pattern.count("0")
    if whole == "0" and minimum == 0:
        whole = ""
    whole = whole.rjust(minimum, "0")
    if "," in whole_pattern and whole:
        whole = f"{int(whole):,}".rjust(minimum, "0")
    fraction = _trim(fraction, fraction_pattern)
    return whole + ("." + fraction if fraction_pattern or fraction else "")


def _scientific(scaled, whole_pattern, fraction_pattern, places, science) -> str:
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
    if kind == "quoted":
        return text
    if kind == "escaped":
        return text
    return text


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
