"""The formula grammar (lark, LALR) and the syntax tree it builds.

The tree is built while parsing (lark calls the builder on each reduction),
so a long formula never recurses through Python's stack; chains of the same
operator level are kept flat (`1+2+3` is one node with three operands)."""

import re
from dataclasses import dataclass, field

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from sheets.formulas.errors import CODES, FormulaSyntaxError

GRAMMAR = r"""
start: expr
?expr: comparison
?comparison: concat | comparison COMPARE concat -> chain
?concat: additive | concat AMP additive -> chain
?additive: multiplicative | additive ADDOP multiplicative -> chain
?multiplicative: power | multiplicative MULOP power -> chain
?power: percent | power CARET percent -> chain
?percent: unary | percent PERCENT -> percent
?unary: primary | ADDOP unary -> unary
?primary: NUMBER -> number
        | STRING -> string
        | REF -> ref
        | ERROR -> error
        | NAME LPAR args RPAR -> call
        | NAME -> name
        | LPAR expr RPAR -> group
args: [expr] (COMMA [expr])*

COMPARE: "<>" | "<=" | ">=" | "=" | "<" | ">"
AMP: "&"
ADDOP: "+" | "-"
MULOP: "*" | "/"
CARET: "^"
PERCENT: "%"
LPAR: "("
RPAR: ")"
COMMA: ","
NUMBER: /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
STRING: /"([^"]|"")*"/
REF: /\[([^\]]|\]\])*\]/
ERROR: /#(DIV\/0!|VALUE!|NAME\?|REF!|NUM!|N\/A|CYCLE!)/i
NAME: /[A-Za-z_][A-Za-z0-9_.]*/
%ignore /[ \t\r\n]+/
"""

# What the user reads in "Expected ..." for each terminal.
READABLE = {
    "COMPARE": "a comparison (= <> < <= > >=)",
    "AMP": "&",
    "ADDOP": "+ or -",
    "MULOP": "* or /",
    "CARET": "^",
    "PERCENT": "%",
    "LPAR": "(",
    "RPAR": ")",
    "COMMA": ",",
    "NUMBER": "a number",
    "STRING": 'text in double quotes ("…")',
    "REF": "a column in brackets ([Name])",
    "ERROR": "an error value",
    "NAME": "a function name",
    "$END": "the end of the formula",
}
_VALUE_START = {"NUMBER", "STRING", "REF", "NAME", "LPAR"}
_ORDER = list(READABLE)


@dataclass(eq=False)
class Node:
    """One node of the tree. kind: number, string, bool, ref, error, name,
    call, chain (ops holds each operand's operator), unary, percent, group
    (parentheses)."""

    kind: str
    value: object = None
    children: list["Node"] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    pos: int = 0
    depth: int = 1


@dataclass
class RefToken:
    """A bracketed reference as written: its span in the text and its inside."""

    start: int
    end: int
    inside: str


def unescape(inside: str) -> str:
    return inside.replace("]]", "]")


def escape(name: str) -> str:
    return name.replace("]", "]]")


def _depth(children: list[Node]) -> int:
    return 1 + max((c.depth for c in children), default=0)


class _Builder(Transformer):
    def start(self, children):
        return children[0]

    def number(self, children):
        token = children[0]
        text = str(token)
        value = float(text) if any(c in text for c in ".eE") else int(text)
        return Node("number", value, pos=token.start_pos)

    def string(self, children):
        token = children[0]
        return Node("string", str(token)[1:-1].replace('""', '"'), pos=token.start_pos)

    def ref(self, children):
        token = children[0]
        inside = RefToken(token.start_pos, token.end_pos, str(token)[1:-1])
        return Node("ref", inside, pos=token.start_pos)

    def error(self, children):
        token = children[0]
        code = next(c for c in CODES if c == str(token).upper())
        return Node("error", code, pos=token.start_pos)

    def name(self, children):
        token = children[0]
        upper = str(token).upper()
        if upper in ("TRUE", "FALSE"):
            return Node("bool", upper == "TRUE", pos=token.start_pos)
        return Node("name", str(token), pos=token.start_pos)

    def call(self, children):
        token, _, args, _ = children
        return Node("call", str(token), args, pos=token.start_pos, depth=_depth(args))

    def args(self, children):
        items = [c for c in children if not isinstance(c, Token)]
        if items == [None]:
            return []  # F() has no arguments
        return [Node("blank", pos=0) if c is None else c for c in items]

    def group(self, children):
        inner = children[1]
        return Node("group", None, [inner], pos=children[0].start_pos, depth=inner.depth + 1)

    def chain(self, children):
        left, op, right = children
        level = _LEVEL[op.type]
        if left.kind == "chain" and left.value == level:
            left.children.append(right)
            left.ops.append(str(op))
            left.depth = max(left.depth, right.depth + 1)
            return left
        return Node(
            "chain", level, [left, right], ["", str(op)], left.pos, max(left.depth, right.depth) + 1
        )

    def unary(self, children):
        op, operand = children
        return Node("unary", str(op), [operand], pos=op.start_pos, depth=operand.depth + 1)

    def percent(self, children):
        operand = children[0]
        return Node("percent", None, [operand], pos=operand.pos, depth=operand.depth + 1)


_LEVEL = {"COMPARE": "compare", "AMP": "concat", "ADDOP": "add", "MULOP": "mul", "CARET": "pow"}

_PARSER = Lark(
    GRAMMAR, parser="lalr", lexer="contextual", maybe_placeholders=True, transformer=_Builder()
)


def _readable(names) -> list[str]:
    known = sorted({n for n in names if n in READABLE}, key=_ORDER.index)
    return [READABLE[n] for n in known]


_OPERATORS = {"COMPARE", "AMP", "ADDOP", "MULOP", "CARET", "PERCENT"}


def _summary(names: set[str]) -> str:
    """The expected tokens in a few words: operators as one."""
    words = ["an operator"] if names & _OPERATORS else []
    words += _readable(names - _OPERATORS)
    return " or ".join(words)


def _syntax_error(error: UnexpectedInput, text: str, offset: int) -> FormulaSyntaxError:
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        char = text[pos]
        expected = _readable(error.allowed or [])
        if char == '"':
            return FormulaSyntaxError(
                f'Text starting at position {pos + offset} has no closing "', pos + offset, ['"']
            )
        if char == "[":
            return FormulaSyntaxError(
                f"The column name at position {pos + offset} has no closing ]", pos + offset, ["]"]
            )
        return FormulaSyntaxError(
            f"Unexpected {char!r} at position {pos + offset}", pos + offset, expected
        )
    if isinstance(error, UnexpectedEOF):
        expected_names = set(error.expected)
        pos = len(text)
        before = text.rstrip()
    else:
        assert isinstance(error, UnexpectedToken)
        expected_names = set(error.expected)
        token = error.token
        if token.type == "$END":
            pos = len(text)
            before = text.rstrip()
        else:
            pos = token.start_pos
            before = text[:pos].rstrip()
    if _open_parentheses(text[:pos]) == 0:  # ) and , only make sense inside ( )
        expected_names -= {"RPAR", "COMMA"}
    expected = _readable(expected_names)
    where = f"at position {pos + offset}"
    expected_value = bool(expected_names & _VALUE_START)
    if expected_value and before:
        message = f"Expected a value after {before[-1]!r} {where}"
    elif expected_value:
        message = f"Expected a value {where}"
    elif pos >= len(text):
        message = f"The formula ends too soon: expected {_summary(expected_names)} {where}"
    else:
        found = text[pos : pos + 10].split()[0] if text[pos:].strip() else ""
        message = f"Unexpected {found!r} {where}: expected {_summary(expected_names)}"
        if text[pos - 1 : pos] == "]":
            message += " (a ] inside a column name is written ]])"
    return FormulaSyntaxError(message, pos + offset, expected)


_SKIPPED = re.compile(r'"([^"]|"")*"?|\[([^\]]|\]\])*\]?')


def _open_parentheses(text: str) -> int:
    """How many ( are still open at the end of `text` (strings and column
    names skipped)."""
    bare = _SKIPPED.sub("", text)
    return bare.count("(") - bare.count(")")


def parse(text: str, *, offset: int = 0) -> Node:
    """The tree of `text` (the formula after its `=`); `offset` is added to
    positions in errors."""
    try:
        return _PARSER.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, offset) from None


def walk(root: Node):
    """Every node, parents first (iterative: the tree may be deep)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))
