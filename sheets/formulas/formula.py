"""Formula: compiled once from the text a user typed (or from storage), then
evaluated per row.

Storage form: the text as typed, with each bracketed column name replaced by
the column's id, `[@<id>]`, so renaming a column changes nothing stored; a
name that matched no column is kept as `[?<name>]` (it evaluates to #NAME?)."""

import datetime
import logging
from collections.abc import Callable, Mapping

from sheets.formulas.errors import VALUE, ErrorValue, FormulaSyntaxError, TooMuchWork
from sheets.formulas.evaluator import Compiler, Context, Resolved
from sheets.formulas.functions import FUNCTIONS
from sheets.formulas.limits import DEFAULT, Limits
from sheets.formulas.parser import Node, RefToken, escape, parse, unescape, walk
from sheets.formulas.values import finish

logger = logging.getLogger(__name__)

# A reference in the stored text: (start, end, "id" or "name", id or name).
Span = tuple[int, int, str, str]


class Formula:
    """A compiled formula. `references`: the column ids it reads;
    `stored`: its storage form."""

    def __init__(self, stored: str, root: Node, spans: list[Span], limits: Limits, labels):
        self.stored = stored
        self.spans = spans
        self.limits = limits
        self.references = frozenset(key for _, _, kind, key in spans if kind == "id")
        self._root = root
        self._labels = labels
        compiler = Compiler(self._resolve, counted=False)
        self._plain = compiler.build(root)
        self.size = compiler.nodes  # node evaluations at most, per row
        self._counted = None

    def __repr__(self) -> str:
        return f"Formula({self.stored!r})"

    def _resolve(self, token: RefToken) -> Resolved:
        return self._labels[token.start]

    @classmethod
    def load(
        cls, stored: str, limits: Limits | None = None, names: Mapping[str, str] | None = None
    ) -> "Formula":
        """The formula from its storage form. `names` (column id -> name) is
        optional: only error messages use it."""
        limits = limits or DEFAULT
        body_start = stored.index("=") + 1
        root = parse(stored[body_start:], offset=body_start)
        spans, labels = [], {}
        for node in walk(root):
            if node.kind != "ref":
                continue
            token = node.value
            inside = unescape(token.inside)
            start, end = token.start + body_start, token.end + body_start
            if inside.startswith("@"):
                key = inside[1:]
                label = f"[{names[key]}]" if names and key in names else "A referenced column"
                spans.append((start, end, "id", key))
                labels[token.start] = ("id", key, label)
            else:
                spans.append((start, end, "name", inside[1:]))
                labels[token.start] = ("name", inside[1:], f"[{inside[1:]}]")
        spans.sort()
        return cls(stored, root, spans, limits, labels)

    def to_text(self, names: Mapping[str, str]) -> str:
        """The formula as the user sees it, with current column names
        (column id -> name); a column no longer in `names` shows as #REF!."""
        parts, last = [], 0
        for start, end, kind, key in self.spans:
            parts.append(self.stored[last:start])
            if kind == "name":
                parts.append(f"[{escape(key)}]")
            elif key in names:
                parts.append(f"[{escape(names[key])}]")
            else:
                parts.append("#REF!")
            last = end
        parts.append(self.stored[last:])
        return "".join(parts)

    def result_type(self, types: Mapping[str, str]) -> str:
        """ "number", "text", "date", "checkbox" or "mixed": what the formula
        gives, from the types of the columns it reads (column id -> type)."""
        return _infer(self._root, types, self._labels)

    def bind(
        self,
        *,
        types: Mapping[str, str],
        today: datetime.date,
        now: datetime.datetime,
        limits: Limits | None = None,
        missing: frozenset[str] = frozenset(),
    ) -> Callable[[Mapping[str, object]], object]:
        """`evaluate` for many rows with the same columns and clock: the
        returned function takes a row and gives what `evaluate` gives (one
        thread at a time: it reuses one context)."""
        limits = limits or self.limits
        ctx = Context(None, types, today, now, limits, missing)
        max_text, stored = limits.max_text, self.stored
        # Chosen once, not per row: a formula this small cannot pass the step limit.
        run = self._plain if self.size <= limits.max_steps else self.run

        def evaluate_row(row: Mapping[str, object]) -> object:
            ctx.row = row
            ctx.steps = 0
            try:
                value = run(ctx)
            except _CRASHES:
                value = _crashed(stored)
            if value.__class__ is str and len(value) > max_text:
                return _too_long(max_text)
            return finish(value)

        return evaluate_row

    def run(self, ctx: Context) -> object:
        """The raw result for one context, steps counted when the formula is
        big enough to pass the limit (evaluate and bind finish the result)."""
        if self.size > ctx.limits.max_steps:
            if self._counted is None:
                self._counted = Compiler(self._resolve, counted=True).build(self._root)
            try:
                return self._counted(ctx)
            except TooMuchWork:
                return ErrorValue(
                    VALUE,
                    f"Too much work: more than {ctx.limits.max_steps} steps to compute this cell",
                )
        return self._plain(ctx)


def compile_formula(text: str, columns: Mapping[str, str], limits: Limits | None = None) -> Formula:
    """Compile what a user typed (starting with `=`); `columns` maps each
    column NAME of the sheet to its id. Raises FormulaSyntaxError."""
    limits = limits or DEFAULT
    if len(text) > limits.max_length:
        raise FormulaSyntaxError(
            f"The formula is longer than {limits.max_length} characters", limits.max_length
        )
    stripped = text.lstrip()
    lead = len(text) - len(stripped)
    if not stripped.startswith("="):
        raise FormulaSyntaxError("A formula starts with =", lead, ["="])
    offset = lead + 1
    root = parse(text[offset:], offset=offset)
    _check_depth(root, limits, offset)
    folded = {}
    for name, column_id in columns.items():
        folded.setdefault(name.casefold(), []).append(column_id)
    refs = sorted((n.value for n in walk(root) if n.kind == "ref"), key=lambda t: t.start)
    labels: dict[int, Resolved] = {}
    parts, last = ["="], offset
    for token in refs:
        name = unescape(token.inside)
        column_id = columns.get(name)
        if column_id is None and len(folded.get(name.casefold(), ())) == 1:
            column_id = folded[name.casefold()][0]
        parts.append(text[last : token.start + offset])
        if column_id is None:
            labels[token.start] = ("name", name, f"[{name}]")
            parts.append(f"[?{escape(name)}]")
        else:
            labels[token.start] = ("id", column_id, f"[{name}]")
            parts.append(f"[@{escape(column_id)}]")
        last = token.end + offset
    parts.append(text[last:])
    # Check arities against what the user typed (positions in their text).
    Compiler(lambda token: labels[token.start], counted=False, offset=offset).build(root)
    names = {column_id: name for name, column_id in columns.items()}
    return Formula.load("".join(parts), limits, names)


def _check_depth(root: Node, limits: Limits, offset: int) -> None:
    if root.depth <= limits.max_depth:
        return
    node, level = root, 1
    while level <= limits.max_depth and node.children:
        node = max(node.children, key=lambda child: child.depth)
        level += 1
    raise FormulaSyntaxError(
        f"The formula is nested more than {limits.max_depth} levels deep "
        f"at position {node.pos + offset}",
        node.pos + offset,
    )


def evaluate(
    formula: Formula,
    row: Mapping[str, object],
    *,
    types: Mapping[str, str],
    today: datetime.date,
    now: datetime.datetime,
    limits: Limits | None = None,
    missing: frozenset[str] = frozenset(),
) -> object:
    """The formula's value for one row (column id -> stored value; `types`:
    column id -> column type, so date columns' "YYYY-MM-DD" read as dates)."""
    limits = limits or formula.limits
    ctx = Context(row, types, today, now, limits, missing)
    value = _guarded(formula.run, ctx, formula.stored)
    if value.__class__ is str and len(value) > limits.max_text:
        return _too_long(limits.max_text)
    return finish(value)


# A last resort: a cell the evaluator cannot compute is an error value, never
# an exception that would fail the whole write (the fuzz test keeps this path unused).
_CRASHES = (ArithmeticError, ValueError, TypeError, IndexError, RecursionError, MemoryError)


def _guarded(run: Callable[[Context], object], ctx: Context, stored: str) -> object:
    try:
        return run(ctx)
    except _CRASHES:
        return _crashed(stored)


def _crashed(stored: str) -> ErrorValue:
    logger.exception("The formula %r could not be computed", stored)
    return ErrorValue(VALUE, "This cell could not be computed")


def _too_long(limit: int) -> ErrorValue:
    return ErrorValue(VALUE, f"The text would be longer than {limit} characters")


def _column_type(column_type: str | None) -> str:
    if column_type is None:
        return "mixed"
    return column_type.removeprefix("formula:")


def _infer(node: Node, types: Mapping[str, str], labels) -> str:
    kind = node.kind
    if kind == "group":
        return _infer(node.children[0], types, labels)
    if kind == "number" or kind == "percent" or kind == "unary":
        return "number"
    if kind == "string":
        return "text"
    if kind == "bool":
        return "checkbox"
    if kind == "blank":
        return "blank"
    if kind == "ref":
        resolved = labels[node.value.start]
        return _column_type(types.get(resolved[1])) if resolved[0] == "id" else "mixed"
    if kind == "chain":
        if node.value == "concat":
            return "text"
        if node.value == "compare":
            return "checkbox"
        if node.value == "add":
            dated = [_infer(child, types, labels) == "date" for child in node.children]
            result = "date" if dated[0] else "number"
            for op, is_date in zip(node.ops[1:], dated[1:], strict=True):
                if is_date:
                    result = "number" if result == "date" and op == "-" else "date"
            return result
        return "number"
    if kind == "call":
        spec = FUNCTIONS.get(node.value.upper())
        if spec is None:
            return "mixed"
        if isinstance(spec.returns, str):
            return spec.returns
        return spec.returns([_infer(child, types, labels) for child in node.children])
    return "mixed"  # error values, unknown names
