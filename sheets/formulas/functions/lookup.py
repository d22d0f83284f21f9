"""CHOOSE and SWITCH: pick one of their arguments (only that one is evaluated)."""

from sheets.formulas.errors import NA, VALUE, ErrorValue, Fail
from sheets.formulas.functions import function, join_types
from sheets.formulas.operators import eq
from sheets.formulas.values import to_int


@function("CHOOSE", 2, None, lazy=True, returns=lambda types: join_types(types[1:]))
def choose(ctx, args):
    index = args[0](ctx)
    if index.__class__ is ErrorValue:
        return index
    number = to_int(index)
    if not 1 <= number < len(args):
        raise Fail(VALUE, f"{number} is not between 1 and {len(args) - 1}")
    return args[number](ctx)


def _switch_type(types):
    results = types[2::2]
    if len(types) % 2 == 0:
        results.append(types[-1])
    return join_types(results)


@function("SWITCH", 3, None, lazy=True, returns=_switch_type)
def switch(ctx, args):
    value = args[0](ctx)
    if value.__class__ is ErrorValue:
        return value
    pairs = len(args) - 1
    for index in range(1, pairs - pairs % 2 + 1, 2):
        case = args[index](ctx)
        if case.__class__ is ErrorValue:
            return case
        if eq(value, case):
            return args[index + 1](ctx)
    if pairs % 2:
        return args[-1](ctx)
    return ErrorValue(NA, "SWITCH: no case matches")
