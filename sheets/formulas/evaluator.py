"""Turns a syntax tree into nested closures, once per formula; running one
for a row is then a chain of plain calls (no tree walking, no eval)."""

import datetime
from collections.abc import Callable

from sheets.formulas import operators
from sheets.formulas.errors import (
    NAME,
    NOTHING,
    REF,
    VALUE,
    ErrorValue,
    Fail,
    FormulaSyntaxError,
    TooMuchWork,
)
from sheets.formulas.functions import FUNCTIONS, Spec, arity_text
from sheets.formulas.limits import Limits
from sheets.formulas.parser import Node

DATE_TYPES = frozenset({"date", "formula:date"})
_date = datetime.date


class Context:
    """What one evaluation reads: the row, its columns' types, the clock."""

    __slots__ = ("row", "types", "today", "now", "limits", "missing", "steps")

    def __init__(self, row, types, today, now, limits: Limits, missing):
        self.row = row
        self.types = types
        self.today = today
        self.now = now
        self.limits = limits
        self.missing = missing
        self.steps = 0


Closure = Callable[[Context], object]
# A resolved reference: ("id", column id, label) or ("name", name as written, label).
Resolved = tuple[str, str, str]


def constant(value) -> Closure:
    return lambda ctx: value


def _ordinal(index: int) -> str:
    return "the " + {0: "first", 1: "second", 2: "third"}.get(index, f"{index + 1}th") + " argument"


def describe(error: Fail, subjects: list[tuple[object, str]], where: str = "") -> ErrorValue:
    """The error value for `error`, naming what caused it: the column a
    value came from when it came from one."""
    prefix = f"{where}: " if where else ""
    if error.value is NOTHING:
        reason = error.reason
        if prefix and reason.startswith("The "):  # "ROUND: the result is ..."
            reason = "the " + reason[4:]
        return ErrorValue(error.code, prefix + reason)
    for value, label in subjects:
        if value is error.value:
            return ErrorValue(error.code, f"{prefix}{label} {error.reason}")
    return ErrorValue(error.code, f"{prefix}A value {error.reason}")


class Compiler:
    """Builds the closure of a tree; `resolve` turns a bracketed reference
    into a column id or an unknown name."""

    def __init__(self, resolve: Callable[[object], Resolved], counted: bool, offset: int = 0):
        self.resolve = resolve
        self.offset = offset
        self.counted = counted
        self.nodes = 0

    def build(self, node: Node) -> Closure:
        self.nodes += 1
        closure = getattr(self, "_" + node.kind)(node)
        if not self.counted:
            return closure
        return _counting(closure)

    def label(self, node: Node) -> str | None:
        """How messages name the node's value: its column, if it is a reference."""
        while node.kind == "group":
            node = node.children[0]
        if node.kind == "ref":
            return self.resolve(node.value)[2]
        return None

    def _number(self, node):
        return constant(node.value)

    def _string(self, node):
        return constant(node.value)

    def _bool(self, node):
        return constant(node.value)

    def _blank(self, node):
        return constant(None)

    def _error(self, node):
        return constant(ErrorValue(node.value, f"The formula contains {node.value}"))

    def _name(self, node):
        error = ErrorValue(
            NAME, f"{node.value} is not a function or a column; write a column in brackets: [Name]"
        )
        return constant(error)

    def _ref(self, node):
        kind, key, label = self.resolve(node.value)
        if kind == "name":
            return constant(ErrorValue(NAME, f"There is no column {label}"))
        return _reference(key, label)

    def _group(self, node):
        return self.build(node.children[0])

    def _unary(self, node):
        operand = self.build(node.children[0])
        if node.value == "+":
            return operand
        label = self.label(node.children[0]) or "The operand of -"
        return _apply1(operators.negate, operand, label)

    def _percent(self, node):
        operand = self.build(node.children[0])
        label = self.label(node.children[0]) or "The operand of %"
        return _apply1(operators.percent, operand, label)

    def _chain(self, node):
        operands = [self.build(child) for child in node.children]
        labels = [self.label(child) for child in node.children]
        ops = node.ops
        concat = node.value == "concat"
        if len(operands) == 2:
            return _binary(operators.BINARY[ops[1]], ops[1], *operands, *labels, concat)
        steps = [
            (operators.BINARY[op], op, operand, label)
            for op, operand, label in zip(ops[1:], operands[1:], labels[1:], strict=True)
        ]
        return _chain(operands[0], labels[0], steps, concat)

    def _call(self, node):
        name = node.value.upper()
        spec = FUNCTIONS.get(name)
        if spec is None:
            return constant(ErrorValue(NAME, f"There is no function {node.value}"))
        count = len(node.children)
        too_many = spec.max_args is not None and count > spec.max_args
        if count < spec.min_args or too_many or (spec.pairs and count % 2):
            raise FormulaSyntaxError(
                f"{name} takes {arity_text(spec)}, not {count}", node.pos + self.offset, []
            )
        args = [self.build(child) for child in node.children]
        labels = [self.label(child) or _ordinal(i) for i, child in enumerate(node.children)]
        refs = [self.label(child) is not None for child in node.children]
        return _call(spec, args, labels, refs)


def _counting(closure: Closure) -> Closure:
    def counted(ctx):
        ctx.steps += 1
        if ctx.steps > ctx.limits.max_steps:
            raise TooMuchWork
        return closure(ctx)

    return counted


def _reference(column_id: str, label: str) -> Closure:
    if label.startswith("["):
        deleted = ErrorValue(REF, f"The column {label} was deleted")
    else:
        deleted = ErrorValue(REF, "A column this formula uses was deleted")

    def reference(ctx):
        if column_id in ctx.missing:
            return deleted
        value = ctx.row.get(column_id)
        if value.__class__ is str and ctx.types.get(column_id) in DATE_TYPES:
            try:
                return _date.fromisoformat(value)
            except ValueError:
                return ErrorValue(VALUE, f"{label} is not a date: {value!r}")
        return value

    return reference


def _apply1(op, operand: Closure, label: str) -> Closure:
    def apply(ctx):
        value = operand(ctx)
        if value.__class__ is ErrorValue:
            return value
        try:
            return op(value)
        except Fail as error:
            return describe(error, [(value, label)])

    return apply


def _binary(op, symbol, left, right, left_label, right_label, concat) -> Closure:
    left_label = left_label or f"The left side of {symbol}"
    right_label = right_label or f"The right side of {symbol}"

    def binary(ctx):
        a = left(ctx)
        if a.__class__ is ErrorValue:
            return a
        b = right(ctx)
        if b.__class__ is ErrorValue:
            return b
        try:
            result = op(a, b)
            if concat:
                operators.check_text(result, ctx.limits.max_text)
            return result
        except Fail as error:
            return describe(error, [(b, right_label), (a, left_label)])

    return binary


def _chain(first, first_label, steps, concat) -> Closure:
    first_label = first_label or "A value"

    def chain(ctx):
        a = first(ctx)
        if a.__class__ is ErrorValue:
            return a
        label = first_label
        for op, symbol, operand, operand_label in steps:
            b = operand(ctx)
            if b.__class__ is ErrorValue:
                return b
            try:
                a = op(a, b)
                if concat:
                    operators.check_text(a, ctx.limits.max_text)
            except Fail as error:
                return describe(
                    error, [(b, operand_label or f"The right side of {symbol}"), (a, label)]
                )
            label = "A value"
        return a

    return chain


def _call(spec: Spec, args: list[Closure], labels: list[str], refs: list[bool]) -> Closure:
    impl, where = spec.impl, spec.name
    if spec.lazy:

        def lazy(ctx):
            try:
                return impl(ctx, args)
            except Fail as error:
                return describe(error, [], where)

        return lazy
    raw, with_ctx, with_refs = spec.raw, spec.ctx, spec.refs
    from_ref = tuple(refs)
    if not (raw or with_ctx or with_refs) and len(args) <= 2:
        return _plain_call(impl, where, args, labels)

    def call(ctx):
        values = [arg(ctx) for arg in args]
        if not raw:
            for value in values:
                if value.__class__ is ErrorValue:
                    return value
        try:
            if with_refs:
                return impl(values, from_ref)
            if with_ctx:
                return impl(ctx, *values)
            return impl(*values)
        except Fail as error:
            return describe(error, list(zip(values, labels, strict=True)), where)

    return call


def _plain_call(impl, where: str, args: list[Closure], labels: list[str]) -> Closure:
    """A call of one or two arguments, unrolled: most formulas are made of these."""
    if len(args) == 1:
        (first,), (label,) = args, labels

        def call1(ctx):
            a = first(ctx)
            if a.__class__ is ErrorValue:
                return a
            try:
                return impl(a)
            except Fail as error:
                return describe(error, [(a, label)], where)

        return call1
    if len(args) == 0:

        def call0(ctx):
            try:
                return impl()
            except Fail as error:
                return describe(error, [], where)

        return call0
    (first, second), (first_label, second_label) = args, labels

    def call2(ctx):
        a = first(ctx)
        if a.__class__ is ErrorValue:
            return a
        b = second(ctx)
        if b.__class__ is ErrorValue:
            return b
        try:
            return impl(a, b)
        except Fail as error:
            return describe(error, [(a, first_label), (b, second_label)], where)

    return call2
