"""Keyword-level changes between two versions of a schema, each with what it does to the set
of admitted values: ``widens`` (NEW admits a value OLD rejects) and ``narrows`` (OLD admits a
value NEW rejects), each ``True``/``False``/``None`` (undecided).

Rules: ``type`` atoms added widen, removed narrow (``integer`` -> ``number`` widens); ``enum``
values added widen, removed narrow, an ``enum``/``const`` added narrows, removed widens;
``required`` entries added narrow, removed widen; lower bounds (``minimum``, ``minLength``,
``minItems``, ``minProperties``, exclusive forms) raised or added narrow, lowered or removed
widen, upper bounds the other way; a checked ``format`` or a ``pattern`` added narrows, removed
widens, changed does both (pattern: undecided); ``multipleOf`` and anything else is decided by
the inclusion check on the two keyword values. Properties and items are compared recursively
(a property added or removed is judged against the ``additionalProperties`` it replaces);
cycles are followed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.compat.subschema import CHECKED_FORMATS, Answer, subschema
from pytest_asyncapi.schemas.bundle import is_dropped
from pytest_asyncapi.schemas.jsonvalues import (
    ALL_TYPES,
    json_equal,
    short,
    type_atoms,
    type_names,
)

_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_HANDLED = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "format",
        "pattern",
        *_LOWER,
        *_UPPER,
    }
)
_MISSING = object()


@dataclass(frozen=True)
class SchemaChange:
    """One change: ``path`` in the value (``*`` for any item / other property), ``pointer`` of
    the schema node in the document, ``old`` -> ``new`` (``None`` when absent)."""

    kind: str
    path: str
    pointer: str
    old: Any
    new: Any
    widens: bool | None
    narrows: bool | None
    detail: str


def schema_changes(
    old: Any, new: Any, *, old_pointer: str = "", new_pointer: str = "", draft: str = "draft-07"
) -> list[SchemaChange]:
    """Every keyword-level change from ``old`` to ``new`` (resolved schemas)."""
    walker = _Walker(draft)
    walker.walk(old, new, "", new_pointer or old_pointer)
    return walker.changes


def effect(old: Any, new: Any, draft: str = "draft-07") -> tuple[bool | None, bool | None]:
    """(widens, narrows) of replacing schema ``old`` by ``new``, by the inclusion check."""
    widen = subschema(new, old, draft=draft)
    narrow = subschema(old, new, draft=draft)
    return _flag(widen.answer), _flag(narrow.answer)


def _flag(answer: Answer) -> bool | None:
    return {Answer.YES: False, Answer.NO: True, Answer.UNKNOWN: None}[answer]


class _Walker:
    def __init__(self, draft: str) -> None:
        self.draft = draft
        self.changes: list[SchemaChange] = []
        self.seen: set[tuple[int, int]] = set()

    def add(
        self,
        kind: str,
        path: str,
        pointer: str,
        old: Any,
        new: Any,
        flags: tuple[bool | None, bool | None],
        detail: str,
    ) -> None:
        shown_old = None if old is _MISSING else old
        shown_new = None if new is _MISSING else new
        self.changes.append(
            SchemaChange(kind, path, pointer, shown_old, shown_new, flags[0], flags[1], detail)
        )

    def walk(self, old: Any, new: Any, path: str, pointer: str) -> None:
        if (id(old), id(new)) in self.seen or json_equal(old, new):
            return
        self.seen.add((id(old), id(new)))
        if not isinstance(old, dict) or not isinstance(new, dict):
            self.add(
                "schema-changed",
                path,
                pointer,
                old,
                new,
                effect(old, new, self.draft),
                f"schema {short(old)} -> {short(new)}",
            )
            return
        o = {k: v for k, v in old.items() if not is_dropped(k, self.draft)}
        n = {k: v for k, v in new.items() if not is_dropped(k, self.draft)}
        self.types(o, n, path, pointer)
        self.enums(o, n, path, pointer)
        self.required(o, n, path, pointer)
        self.properties(o, n, path, pointer)
        self.items(o, n, path, pointer)
        self.bounds(o, n, path, pointer)
        self.strings(o, n, path, pointer)
        for keyword in sorted((o.keys() | n.keys()) - _HANDLED):
            ov, nv = o.get(keyword, _MISSING), n.get(keyword, _MISSING)
            if ov is _MISSING or nv is _MISSING or not json_equal(ov, nv):
                self.composite(keyword, ov, nv, path, pointer)

    def composite(self, keyword: str, ov: Any, nv: Any, path: str, pointer: str) -> None:
        here = jsonpointer.child(pointer, keyword)
        if (
            keyword in ("allOf", "anyOf", "oneOf")
            and isinstance(ov, list)
            and isinstance(nv, list)
            and len(ov) == len(nv)
        ):
            for index, (x, y) in enumerate(zip(ov, nv, strict=True)):
                self.walk(x, y, path, jsonpointer.child(here, index))
            return
        old_schema = {} if ov is _MISSING else {keyword: ov}
        new_schema = {} if nv is _MISSING else {keyword: nv}
        verb = "added" if ov is _MISSING else "removed" if nv is _MISSING else "changed"
        self.add(
            f"{keyword}-{verb}",
            path,
            here,
            ov,
            nv,
            effect(old_schema, new_schema, self.draft),
            f"{keyword} {verb}",
        )

    def types(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        if json_equal(o.get("type"), n.get("type")):
            return
        old_atoms = type_atoms(o["type"]) if "type" in o else ALL_TYPES
        new_atoms = type_atoms(n["type"]) if "type" in n else ALL_TYPES
        if old_atoms == new_atoms:
            return
        self.add(
            "type-changed",
            path,
            jsonpointer.child(pointer, "type"),
            o.get("type", _MISSING),
            n.get("type", _MISSING),
            (bool(new_atoms - old_atoms), bool(old_atoms - new_atoms)),
            f"type {type_names(old_atoms)} -> {type_names(new_atoms)}",
        )

    def enums(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        old_values, new_values = _allowed(o), _allowed(n)
        if old_values is None and new_values is None:
            return
        keyword = "enum" if "enum" in n or "enum" in o else "const"
        where = jsonpointer.child(pointer, keyword)
        if old_values is None:
            self.add(
                f"{keyword}-added",
                path,
                where,
                _MISSING,
                new_values,
                (False, True),
                f"values restricted to {short(new_values)}",
            )
            return
        if new_values is None:
            self.add(
                f"{keyword}-removed",
                path,
                where,
                old_values,
                _MISSING,
                (True, False),
                f"values no longer restricted to {short(old_values)}",
            )
            return
        added = [v for v in new_values if not any(json_equal(v, w) for w in old_values)]
        removed = [v for v in old_values if not any(json_equal(v, w) for w in new_values)]
        if added:
            self.add(
                "enum-values-added",
                path,
                where,
                _MISSING,
                added,
                (True, False),
                f"values added: {short(added)}",
            )
        if removed:
            self.add(
                "enum-values-removed",
                path,
                where,
                removed,
                _MISSING,
                (False, True),
                f"values removed: {short(removed)}",
            )

    def required(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        old_names, new_names = _names(o.get("required")), _names(n.get("required"))
        where = jsonpointer.child(pointer, "required")
        for name in sorted(new_names - old_names):
            self.add(
                "required-added",
                jsonpointer.child(path, name),
                where,
                _MISSING,
                name,
                (False, True),
                f"property {name!r} is now required",
            )
        for name in sorted(old_names - new_names):
            self.add(
                "required-removed",
                jsonpointer.child(path, name),
                where,
                name,
                _MISSING,
                (True, False),
                f"property {name!r} is no longer required",
            )

    def properties(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        old_props, new_props = _map(o.get("properties")), _map(n.get("properties"))
        old_rest, new_rest = (
            o.get("additionalProperties", True),
            n.get("additionalProperties", True),
        )
        for name in sorted(old_props.keys() | new_props.keys()):
            at = jsonpointer.child(path, name)
            where = jsonpointer.child(pointer, "properties", name)
            if name in old_props and name in new_props:
                self.walk(old_props[name], new_props[name], at, where)
            elif name in new_props:
                self.add(
                    "property-added",
                    at,
                    where,
                    _MISSING,
                    new_props[name],
                    effect(old_rest, new_props[name], self.draft),
                    f"property {name!r} declared",
                )
            else:
                self.add(
                    "property-removed",
                    at,
                    where,
                    old_props[name],
                    _MISSING,
                    effect(old_props[name], new_rest, self.draft),
                    f"property {name!r} no longer declared",
                )
        if not json_equal(old_rest, new_rest):
            at = jsonpointer.child(path, "*")
            where = jsonpointer.child(pointer, "additionalProperties")
            if isinstance(old_rest, dict) and isinstance(new_rest, dict):
                self.walk(old_rest, new_rest, at, where)
                return
            flags = effect(old_rest, new_rest, self.draft)
            word = "loosened" if flags[0] else "tightened" if flags[1] else "changed"
            self.add(
                f"additionalProperties-{word}",
                at,
                where,
                o.get("additionalProperties", _MISSING),
                n.get("additionalProperties", _MISSING),
                flags,
                f"other properties {word}",
            )

    def items(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        old_items, new_items = o.get("items", _MISSING), n.get("items", _MISSING)
        if old_items is _MISSING and new_items is _MISSING:
            return
        where = jsonpointer.child(pointer, "items")
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            self.walk(old_items, new_items, jsonpointer.child(path, "*"), where)
        elif not json_equal(old_items, new_items):
            self.composite("items", old_items, new_items, path, pointer)

    def bounds(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        for keyword in (*_LOWER, *_UPPER):
            ov, nv = o.get(keyword, _MISSING), n.get(keyword, _MISSING)
            if (ov is _MISSING and nv is _MISSING) or json_equal(ov, nv):
                continue
            if not all(_number(v) for v in (ov, nv) if v is not _MISSING):
                self.composite(keyword, ov, nv, path, pointer)
                continue
            lower = keyword in _LOWER
            if ov is _MISSING:
                tighter = True
            elif nv is _MISSING:
                tighter = False
            else:
                tighter = nv > ov if lower else nv < ov
            verb = (
                "added"
                if ov is _MISSING
                else "removed"
                if nv is _MISSING
                else ("raised" if nv > ov else "lowered")
            )
            self.add(
                f"{keyword}-{verb}",
                path,
                jsonpointer.child(pointer, keyword),
                ov,
                nv,
                (not tighter, tighter),
                f"{keyword} {verb}",
            )

    def strings(self, o: dict[str, Any], n: dict[str, Any], path: str, pointer: str) -> None:
        for keyword in ("format", "pattern"):
            ov, nv = o.get(keyword, _MISSING), n.get(keyword, _MISSING)
            if json_equal(ov, nv):
                continue
            verb = "added" if ov is _MISSING else "removed" if nv is _MISSING else "changed"
            flags: tuple[bool | None, bool | None]
            detail = f"{keyword} {verb}"
            checked = any(isinstance(v, str) and v in CHECKED_FORMATS for v in (ov, nv))
            if keyword == "format" and not checked:
                flags = (False, False)
                detail += " (neither format is checked: an annotation)"
            elif verb == "added":
                flags = (False, True)
            elif verb == "removed":
                flags = (True, False)
            else:
                flags = (True, True) if keyword == "format" else (None, None)
            self.add(
                f"{keyword}-{verb}",
                path,
                jsonpointer.child(pointer, keyword),
                ov,
                nv,
                flags,
                detail,
            )


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _allowed(schema: dict[str, Any]) -> list[Any] | None:
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def _names(value: Any) -> set[str]:
    return {x for x in value if isinstance(x, str)} if isinstance(value, list) else set()


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
