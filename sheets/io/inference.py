"""What a new sheet's columns hold: their types, guessed from the values of a
file being previewed (sheets/io/preview.py), and those values' stored forms
under the types guessed so far, for the preview's row cache."""

import functools
import uuid
from typing import Any

from sheets import values


class TypeGuess:
    """Infers a new column's type from its non-empty values: number, date,
    checkbox (true/false), else text. Leading zeros keep a value text.

    Fed a batch of the column at a time, it also answers the batch's stored
    values under the type guessed so far, for the row cache. A value fits at
    most one of number, date and checkbox, so a column's guess only ever goes
    from that one type to text."""

    def __init__(self, decimal_mark: str = ".") -> None:
        self.candidates = {"number", "date", "checkbox"}
        self.seen = False
        number = values.NUMBER_CLEANERS[decimal_mark]
        self.as_type = {**_AS_TYPE, "number": functools.partial(_numbers, clean=number)}

    def clean_column(self, texts: list[str]) -> tuple[str, list[Any] | None] | None:
        """Feed one batch of the column: (the type guessed so far, each
        value's stored form under it, or None if one has none), or None if
        the batch holds no value."""
        if not any(texts):
            return None
        self.seen = True
        for kind in ("number", "date", "checkbox"):
            if kind in self.candidates:
                stored = self.as_type[kind](texts)
                if stored is not None:
                    self.candidates = {kind}
                    return kind, stored
                self.candidates.discard(kind)
        try:
            return "text", values.clean_texts(texts)
        except values.InvalidValue:  # a NUL from an XLSX `_x0000_`: the import refuses it
            return "text", None

    def force_text(self) -> None:
        self.candidates.clear()

    @property
    def type(self) -> str:
        if self.seen:
            for kind in ("number", "date", "checkbox"):
                if kind in self.candidates:
                    return kind
        return "text"


def _plain_number(text: str, clean: Any) -> Any:
    """The number a non-empty `text` writes plainly (no `+`, no leading `.`,
    no leading zero: 007 is a code; spaces around are no part of it, as the
    grid reads them), values.EMPTY for spaces only, else None."""
    text = text.strip()
    if not text:
        return values.EMPTY
    digits = text[1:] if text[:1] == "-" else text
    if len(digits) > 1 and digits[0] == "0" and digits[1] not in ".,":
        return None
    if text[:1] in ("+", "."):
        return None
    try:
        return clean(text)
    except values.InvalidValue:
        return None


def _numbers(texts: list[str], clean: Any = values.clean_number) -> list[Any] | None:
    out: list[Any] = []
    for text in texts:
        number = _plain_number(text, clean) if text else values.EMPTY
        if number is None:
            return None
        out.append(number)
    return out


def _iso_date(text: str) -> bool:
    try:
        return values.clean_date(text) == text.strip()
    except values.InvalidValue:
        return False


def _dates(texts: list[str]) -> list[Any] | None:
    # A date is stored as the ISO text it was written as (spaces around dropped).
    if all(_iso_date(t) for t in texts if t):
        return [t.strip() or values.EMPTY for t in texts]
    return None


_CHECKBOX = {"true": True, "false": False}


def _checkboxes(texts: list[str]) -> list[Any] | None:
    out = [_CHECKBOX.get(t.strip().lower()) if t.strip() else values.EMPTY for t in texts]
    return None if None in out else out


_AS_TYPE = {"number": _numbers, "date": _dates, "checkbox": _checkboxes}
# How each type's stored values are written: a date is its text.
_ENCODED_AS = {"text": "text", "date": "text", "number": "number", "checkbox": "checkbox"}


class NewColumns:
    """A new sheet's columns while the file is read: their ids, chosen now
    so the kept rows can be keyed by them, and their types, guessed batch by
    batch; each batch's values are stored under the types guessed so far."""

    def __init__(self, names: list[str], decimal_mark: str = ".") -> None:
        self.names = names
        self.ids = [str(uuid.uuid4()) for _ in names]
        self.guesses = [TypeGuess(decimal_mark) for _ in names]
        # Per column, how the values kept so far were written (_ENCODED_AS).
        self.kept_as: list[set[str]] = [set() for _ in names]
        # A value no column takes: nothing to keep; the import will refuse it.
        self.invalid = False

    def clean(self, batch: list[list[str]], escaped: set[int]) -> list[tuple[str, str, list]]:
        """(column id, type, stored values) of the batch's non-empty columns."""
        cleaned = []
        for index, guess in enumerate(self.guesses):
            if index in escaped:  # an escaped value: the column is text
                guess.force_text()
            found = guess.clean_column([row[index] for row in batch])
            if found is None:
                continue
            kind, stored = found
            if stored is None:
                self.invalid = True
                continue
            self.kept_as[index].add(_ENCODED_AS[kind])
            cleaned.append((self.ids[index], kind, stored))
        return cleaned

    def targets(self, escaped: set[int]) -> list[dict]:
        """The columns to create: {"id", "name", "type"} each."""
        for index in escaped:
            self.guesses[index].force_text()
        return [
            {"id": i, "name": n, "type": g.type}
            for i, n, g in zip(self.ids, self.names, self.guesses, strict=True)
        ]

    def kept_as_typed(self) -> bool:
        """Whether every value kept was written as its column's final type
        (not so when a column turned text after its first numbers)."""
        return all(
            kept <= {_ENCODED_AS[g.type]}
            for kept, g in zip(self.kept_as, self.guesses, strict=True)
        )
