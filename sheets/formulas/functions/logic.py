"""IF, IFS, IFERROR, AND, OR, NOT, XOR and the IS functions."""

import datetime

from sheets.formulas.errors import NA, VALUE, ErrorValue, Fail
from sheets.formulas.functions import function, join_types
from sheets.formulas.values import to_bool


def _if_type(types):
    branches = types[1:3] if len(types) == 3 else [types[1], "checkbox"]
    return join_types(branches)


@function("IF", 2, 3, lazy=True, returns=_if_type)
def if_(ctx, args):
    condition = args[0](ctx)
    if condition.__class__ is ErrorValue:
        return condition
    if to_bool(condition):
        return args[1](ctx)
    return args[2](ctx) if len(args) == 3 else False


@function("IFS", 2, None, lazy=True, pairs=True, returns=lambda types: join_types(types[1::2]))
def ifs(ctx, args):
    for index in range(0, len(args), 2):
        condition = args[index](ctx)
        if condition.__class__ is ErrorValue:
            return condition
        if to_bool(condition):
            return args[index + 1](ctx)
    return ErrorValue(NA, "IFS: no condition is TRUE")


@function("IFERROR", 2, lazy=True, returns=join_types)
def iferror(ctx, args):
    value = args[0](ctx)
    return args[1](ctx) if value.__class__ is ErrorValue else value


def logicals(values, from_ref):
    """The TRUE/FALSE values among the arguments: in a cell, text and blanks
    are skipped; typed as an argument, text must read TRUE or FALSE."""
    found = []
    for value, is_ref in zip(values, from_ref, strict=True):
        if value is None:
            continue
        if is_ref and value.__class__ is str:
            continue
        found.append(to_bool(value))
    if not found:
        raise Fail(VALUE, "no TRUE or FALSE value to work on")
    return found


@function("AND", 1, None, refs=True, returns="checkbox")
def and_(values, from_ref):
    return all(logicals(values, from_ref))


@function("OR", 1, None, refs=True, returns="checkbox")
def or_(values, from_ref):
    return any(logicals(values, from_ref))


@function("XOR", 1, None, refs=True, returns="checkbox")
def xor(values, from_ref):
    return sum(logicals(values, from_ref)) % 2 == 1


@function("NOT", 1, returns="checkbox")
def not_(value):
    return not to_bool(value)


@function("ISBLANK", 1, raw=True, returns="checkbox")
def isblank(value):
    return value is None


@function("ISNUMBER", 1, raw=True, returns="checkbox")
def isnumber(value):
    cls = value.__class__
    return cls is int or cls is float or isinstance(value, datetime.date)


@function("ISTEXT", 1, raw=True, returns="checkbox")
def istext(value):
    return value.__class__ is str


@function("ISERROR", 1, raw=True, returns="checkbox")
def iserror(value):
    return value.__class__ is ErrorValue


@function("TRUE", 0, returns="checkbox")
def true():
    return True


@function("FALSE", 0, returns="checkbox")
def false():
    return False
