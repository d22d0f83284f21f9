"""Whether text can be stored and written out again: the one rule every way
text comes in (API bodies, socket messages, forms, imported files) applies.

Two things cannot be: a lone surrogate ("\\ud800", legal in JSON's escapes
but no character: UTF-8 cannot encode it, so no database stores it and no
export writes it), and NUL ("\\x00": PostgreSQL's text and jsonb refuse it).
Both apps use this module (accounts may not import sheets), so every field
refuses the same things with the same words.
"""

NUL = "a NUL character"
LONE_SURROGATE = "a lone surrogate (text that is not valid Unicode)"


def valid_unicode(text: str) -> bool:
    """True unless `text` holds a lone surrogate."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable(text: str) -> str | None:
    """What in `text` cannot be stored (NUL or LONE_SURROGATE), or None."""
    if "\x00" in text:
        return NUL
    if not valid_unicode(text):
        return LONE_SURROGATE
    return None


def refusal(text: str, what: str) -> str | None:
    """The message refusing `text` as `what` ("A title", "A column name"),
    or None when it can be stored."""
    why = unstorable(text)
    return None if why is None else f"{what} may not contain {why}."
