"""Is a Python value a JSON value? (Checked before jsonschema-rs sees it.)

jsonschema-rs turns NaN and infinities into ``null`` (a silent pass wherever ``null`` is
allowed), raises on sets, bytes or non-string keys, and can overflow its stack on very deep
values. :func:`screen` finds these cheaply: ``orjson.dumps`` (≈1 µs on a 30-field event)
proves most values clean; only values it refuses, or whose encoding has a ``null`` (which may
have been a NaN), get a Python walk. Integers of any size are JSON numbers and are fine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from pytest_asyncapi import jsonpointer

MAX_DEPTH = 1000
"""Values nested deeper than this are not checked (reported unchecked, never valid)."""

_SCALARS = (str, bool, int, type(None))


@dataclass(frozen=True)
class ValueProblem:
    """Why a value (at ``pointer``) is not JSON; ``too_deep`` means "cannot check"."""

    pointer: str
    message: str
    too_deep: bool = False


def screen(value: Any) -> ValueProblem | None:
    """``None`` if ``value`` is plain JSON, else the first problem found (document order)."""
    try:
        encoded = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError included: odd types, keys, big ints, depth
        return walk(value)
    return walk(value) if b"null" in encoded else None


def _number_problem(value: float | Decimal) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("-" if value < 0 else "") + "Infinity"
        return f"{name} is not a JSON number (JSON has no NaN or Infinity)"
    if isinstance(value, Decimal) and not value.is_finite():
        return f"Decimal({str(value)!r}) is not a JSON number (JSON has no NaN or Infinity)"
    return None


def walk(value: Any) -> ValueProblem | None:
    """The exact (slower) check behind :func:`screen`."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    open_containers: dict[int, int] = {}
    while stack:
        node, path = stack.pop()
        if isinstance(node, _Close):
            open_containers.pop(node.ident, None)
            continue
        if isinstance(node, _SCALARS):
            continue
        if isinstance(node, (float, Decimal)):
            problem = _number_problem(node)
            if problem:
                return ValueProblem(jsonpointer.join(path), problem)
            continue
        if not isinstance(node, (dict, list, tuple)):
            kind = type(node).__name__
            return ValueProblem(jsonpointer.join(path), f"a Python {kind} is not a JSON value")
        if id(node) in open_containers:
            return ValueProblem(jsonpointer.join(path), "the value contains itself (a cycle)")
        if len(path) >= MAX_DEPTH:
            message = f"the value is nested deeper than {MAX_DEPTH} levels; it is not checked"
            return ValueProblem(jsonpointer.join(path), message, too_deep=True)
        open_containers[id(node)] = len(path)
        stack.append((_Close(id(node)), path))
        if isinstance(node, dict):
            for key in node:
                if not isinstance(key, str):
                    message = f"object key {key!r} ({type(key).__name__}) is not a string"
                    return ValueProblem(jsonpointer.join(path), message)
            items: list[tuple[str | int, Any]] = list(node.items())
        else:
            items = list(enumerate(node))
        stack.extend((child, (*path, token)) for token, child in reversed(items))
    return None


class _Close:
    __slots__ = ("ident",)

    def __init__(self, ident: int) -> None:
        self.ident = ident
