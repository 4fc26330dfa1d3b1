"""Message and operation traits, merged by each AsyncAPI version's rule.

- 2.x: traits are applied in order as JSON Merge Patches (RFC 7386) onto the object, so a
  trait's value overrides the object's own.
- 3.x: traits are merged in order, then the object's own values are applied on top: the
  object wins.

In both, arrays replace, ``null`` deletes, and nothing shared is mutated (resolved documents
share objects between the places that ``$ref`` them). One deliberate difference from RFC 7386:
a value the target does not have yet is taken as is (same object, ``null``s inside kept), so
``default: null`` in a schema survives and errors can still name the ``$ref`` it came from.
"""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any, _seen: dict[tuple[int, int], Any] | None = None) -> Any:
    """RFC 7386 JSON Merge Patch, returning a new value; ``target`` is left untouched.

    Recursive (cyclic) values merge into a cyclic result: a pair of nodes met again is
    the merge already being built for it.
    """
    if not isinstance(patch, dict):
        return patch
    seen = {} if _seen is None else _seen
    pair = (id(target), id(patch))
    if pair in seen:
        return seen[pair]
    merged: dict[str, Any] = dict(target) if isinstance(target, dict) else {}
    seen[pair] = merged
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = merge_patch(merged[key], value, seen)
        else:
            merged[key] = value
    return merged


def apply_traits(obj: dict[str, Any], major: int) -> dict[str, Any]:
    """``obj`` with its ``traits`` merged in and the ``traits`` key removed."""
    traits = obj.get("traits")
    if not isinstance(traits, list) or not traits:
        return obj
    own = {k: v for k, v in obj.items() if k != "traits"}
    patches = [t for t in traits if isinstance(t, dict)]
    if major >= 3:
        result: Any = {}
        for trait in patches:
            result = merge_patch(result, trait)
        result = merge_patch(result, own)
    else:
        result = own
        for trait in patches:
            result = merge_patch(result, trait)
    return dict(result)
