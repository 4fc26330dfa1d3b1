"""Small helpers over JSON values and resolved (possibly cyclic) schemas."""

from __future__ import annotations

from typing import Any

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "string", "integer", "fraction"})
"""Disjoint JSON types; JSON Schema's ``number`` is ``integer`` + ``fraction``."""

_TYPE_ATOMS = {
    "null": frozenset({"null"}),
    "boolean": frozenset({"boolean"}),
    "object": frozenset({"object"}),
    "array": frozenset({"array"}),
    "string": frozenset({"string"}),
    "integer": frozenset({"integer"}),
    "number": frozenset({"integer", "fraction"}),
}


def type_atoms(declared: Any) -> frozenset[str]:
    """The atoms a ``type`` keyword allows (unknown names allow nothing)."""
    names = declared if isinstance(declared, list) else [declared]
    found: set[str] = set()
    for name in names:
        if isinstance(name, str):
            found |= _TYPE_ATOMS.get(name, frozenset())
    return frozenset(found)


def type_names(atoms: frozenset[str]) -> str:
    """``string|null``-style text for a set of atoms (``number`` when both numeric atoms)."""
    names = set(atoms)
    if {"integer", "fraction"} <= names:
        names -= {"integer", "fraction"}
        names.add("number")
    elif "fraction" in names:
        names.discard("fraction")
        names.add("non-integer number")
    return "|".join(sorted(names)) or "nothing"


def type_of(value: Any) -> str:
    """The atom of a JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "fraction"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_equal(x: Any, y: Any, seen: set[tuple[int, int]] | None = None) -> bool:
    """JSON equality (``1 == 1.0``, ``true != 1``) that terminates on cyclic structures."""
    if x is y:
        return True
    if isinstance(x, bool) or isinstance(y, bool):
        return isinstance(x, bool) and isinstance(y, bool) and x == y
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        return x == y
    if isinstance(x, dict) and isinstance(y, dict):
        if x.keys() != y.keys():
            return False
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            return False
    else:
        return type(x) is type(y) and bool(x == y)
    seen = set() if seen is None else seen
    pair = (id(x), id(y))
    if pair in seen:
        return True
    seen.add(pair)
    if isinstance(x, dict):
        return all(json_equal(x[k], y[k], seen) for k in x)
    return all(json_equal(a, b, seen) for a, b in zip(x, y, strict=True))


def short(value: Any, limit: int = 60) -> str:
    """Compact JSON text of ``value`` cut to ``limit`` characters (safe on cycles)."""
    from pytest_asyncapi.schemas.violations import excerpt

    return excerpt(value, limit)
