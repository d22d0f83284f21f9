"""Parsing JSON that came from a browser: API bodies and socket messages.

Both ways in use `parse`, so both refuse the same things with the same words:
text that is not JSON, NaN and Infinity (not JSON, though Python's parser takes
them), nesting deeper than MAX_DEPTH (a `[[[[...` body would otherwise exhaust
the parser's recursion), and strings that are not valid Unicode (a lone
surrogate such as "\\ud800" is legal JSON syntax but cannot be stored or
exported as UTF-8).
"""

import json
from typing import Any

from proj.text import valid_unicode
from sheets.refusals import RequestRefused

# Nothing Gridroom accepts is nested more than a few levels (a body, its list
# of changes, a change, a value); this leaves room and stays far below the
# interpreter's recursion limit.
MAX_DEPTH = 32


class BrowserJSONError(RequestRefused):
    """Why a body or message was refused: `error` is the code in the answer."""


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse(raw: str | bytes) -> Any:
    """The value `raw` holds, or BrowserJSONError."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise BrowserJSONError("invalid_json", "This is not valid JSON.") from None
    _check(value)
    return value


def _too_deep() -> BrowserJSONError:
    return BrowserJSONError(
        "too_deeply_nested", f"The JSON is nested more than {MAX_DEPTH} levels deep."
    )


def _check(value: Any) -> None:
    """Depth and Unicode of every string (keys too), without recursion."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not valid_unicode(item):
                raise BrowserJSONError(
                    "invalid_unicode",
                    "The JSON holds text that is not valid Unicode (a lone surrogate).",
                )
        elif isinstance(item, list | dict):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
