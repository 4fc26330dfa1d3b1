"""Turn a resolved (possibly cyclic) schema into an acyclic document jsonschema-rs can compile.

The loader inlines ``$ref`` targets in place, so a recursive schema is a cyclic Python
structure. :func:`bundle` copies it; every occurrence of a node that is met again on its own
path becomes ``{"$ref": "#/definitions/<name>"}`` (``$defs`` from 2019-09), with the node's
copy stored under that name in the root (a recursive root is referred to as ``#``).

The copy leaves out what cannot matter to validation and could break compilation: annotations
(``title``, ``description``, ``examples``, ``default``, ``externalDocs``, ``discriminator``,
``deprecated``, ``readOnly``, ``writeOnly``, ``$comment``, ``x-*``) and ``$id``/``$schema``
(references are already resolved, and the schema format decides the draft). Keywords are
recognised by position, so a property *named* ``title`` is kept. A ``format`` that jsonschema-rs
would run as a Python callback (``email``, ``uri``; ``uuid`` before 2019-09) becomes the
equivalent native ``pattern`` keywords (:func:`native_format`; errors still say ``format``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_asyncapi import jsonpointer
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas.formats import native_patterns

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

_SCHEMA_VALUED = frozenset(
    {
        "not", "additionalProperties", "additionalItems", "contains", "propertyNames", "if",
        "then", "else", "unevaluatedItems", "unevaluatedProperties", "contentSchema", "items",
    }
)  # fmt: skip
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems", "items"})
_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies"}
)
_DROPPED = frozenset(
    {
        "title", "description", "examples", "example", "default", "externalDocs", "discriminator",
        "deprecated", "readOnly", "writeOnly", "$comment", "$id", "$schema",
    }
)  # fmt: skip


class Position(enum.Enum):
    """What a node inside a schema is: a schema, a list or map of schemas, or plain data."""

    SCHEMA = "schema"
    SCHEMA_LIST = "schema list"
    SCHEMA_MAP = "schema map"
    DATA = "data"


def is_dropped(keyword: str, draft: str) -> bool:
    """Is ``keyword`` (at a schema position) left out of the compiled copy?"""
    return (
        keyword in _DROPPED or keyword.startswith("x-") or (keyword == "id" and draft == "draft-04")
    )


def child_position(position: Position, token: str | int, child: Any) -> Position:
    """The position of ``child``, reached from a node at ``position`` through ``token``."""
    if position is Position.SCHEMA:
        if token in _SCHEMA_VALUED and isinstance(child, (dict, bool)):
            return Position.SCHEMA
        if token in _SCHEMA_LISTS and isinstance(child, list):
            return Position.SCHEMA_LIST
        if token in _SCHEMA_MAPS and isinstance(child, dict):
            return Position.SCHEMA_MAP
        return Position.DATA
    if position is Position.SCHEMA_LIST:
        return Position.SCHEMA
    if position is Position.SCHEMA_MAP and isinstance(child, (dict, bool)):
        return Position.SCHEMA
    return Position.DATA


def native_format(schema: Mapping[str, Any], draft: str) -> tuple[str, ...]:
    """The patterns that replace ``schema``'s ``format`` in the compiled copy (``()``: none).

    They go into ``pattern`` when the schema has none, else (and for all but the first) at the
    end of ``allOf``, so every path into them is known: see :func:`is_native_format`.
    """
    patterns = native_patterns(schema.get("format"), draft)
    return patterns if isinstance(schema.get("allOf", []), list) else ()


def _native_format(schema: dict[str, Any], draft: str) -> None:
    """Swap a ``format`` run as a Python callback for equivalent native patterns (faster)."""
    patterns = list(native_format(schema, draft))
    if not patterns:
        return
    del schema["format"]
    if "pattern" not in schema:
        schema["pattern"] = patterns.pop(0)
    if patterns:
        schema["allOf"] = [*schema.get("allOf", []), *({"pattern": p} for p in patterns)]


def is_native_format(schema: Any, path: Sequence[str | int], draft: str) -> bool:
    """Does ``path`` (an evaluation path from ``schema``) lead to a pattern standing for its
    ``format``? ``schema`` is the original node; ``path`` comes from the compiled copy."""
    if not isinstance(schema, dict) or not path or not native_format(schema, draft):
        return False
    if path[0] == "pattern":
        return "pattern" not in schema
    if path[0] != "allOf" or len(path) < 2:
        return False
    index = path[1]
    if isinstance(index, str):
        index = int(index) if index.isascii() and index.isdigit() else -1
    return index >= len(schema.get("allOf", []))


@dataclass(frozen=True)
class Bundled:
    """The acyclic copy, ``id()`` of the original nodes that became definitions, and the
    ``format`` values left in the copy (only their Python callbacks need registering: any
    callback costs jsonschema-rs ~1.5 µs per validation on a 30-field event, used or not)."""

    schema: Any
    recursive: frozenset[int]
    formats: frozenset[str]


def _children(
    node: Any, position: Position, draft: str
) -> Iterator[tuple[str | int, Any, Position]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if position is Position.SCHEMA and is_dropped(key, draft):
                continue
            yield key, value, child_position(position, key, value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield index, value, child_position(position, index, value)


class _Bundler:
    def __init__(self, root: Any, draft: str, definitions: str, where: str) -> None:
        self.root = root
        self.draft = draft
        self.definitions = definitions
        self.where = where
        self.recursive: dict[int, Any] = {}
        self.copies: dict[int, Any] = {}
        self.names: dict[int, str] = {}
        self.bodies: dict[str, Any] = {}
        self.formats: set[str] = set()
        existing = root.get(definitions) if isinstance(root, dict) else None
        self.taken = set(existing) if isinstance(existing, dict) else set()

    def find_cycles(
        self,
        node: Any,
        position: Position,
        path: list[str | int],
        on_path: set[int],
        done: set[int],
    ) -> None:
        if not isinstance(node, (dict, list)) or id(node) in done:
            return
        if id(node) in on_path:
            if position is not Position.SCHEMA:
                problem = "a value inside it refers to itself (only schemas may be recursive)"
                raise SchemaCompileError(jsonpointer.child(self.where, *path), problem)
            self.recursive[id(node)] = node
            return
        on_path.add(id(node))
        for token, child, child_pos in _children(node, position, self.draft):
            path.append(token)
            self.find_cycles(child, child_pos, path, on_path, done)
            path.pop()
        on_path.discard(id(node))
        done.add(id(node))

    def copy(self, node: Any, position: Position) -> Any:
        if position is Position.DATA or not isinstance(node, (dict, list)):
            return node  # acyclic (checked) and never mutated: shared as is
        if position is Position.SCHEMA and id(node) in self.recursive:
            return {"$ref": self.reference(node)}
        return self.body(node, position)

    def body(self, node: Any, position: Position) -> Any:
        if id(node) in self.copies:
            return self.copies[id(node)]
        if isinstance(node, list):
            copied: Any = [self.copy(c, p) for _, c, p in _children(node, position, self.draft)]
        else:
            copied = {k: self.copy(c, p) for k, c, p in _children(node, position, self.draft)}
            if position is Position.SCHEMA:
                _native_format(copied, self.draft)
                if isinstance(copied.get("format"), str):
                    self.formats.add(copied["format"])
        self.copies[id(node)] = copied
        return copied

    def reference(self, node: Any) -> str:
        if node is self.root:
            return "#"
        if id(node) not in self.names:
            name = f"recursive-{len(self.names) + 1}"
            while name in self.taken:
                name += "_"
            self.names[id(node)] = name
            self.bodies[name] = self.body(node, Position.SCHEMA)
        return f"#/{self.definitions}/{jsonpointer.escape(self.names[id(node)])}"


def bundle(schema: Any, *, draft: str, definitions: str, where: str = "") -> Bundled:
    """Copy ``schema`` into an acyclic document; ``where`` (a document pointer) names errors."""
    bundler = _Bundler(schema, draft, definitions, where)
    try:
        bundler.find_cycles(schema, Position.SCHEMA, [], set(), set())
        copied = bundler.body(schema, Position.SCHEMA) if isinstance(schema, dict) else schema
    except RecursionError:
        raise SchemaCompileError(where, "schema is nested too deeply to compile") from None
    if bundler.bodies:
        existing = copied.get(definitions)
        merged = existing if isinstance(existing, dict) else {}
        copied = {**copied, definitions: {**merged, **bundler.bodies}}
    return Bundled(copied, frozenset(bundler.recursive), frozenset(bundler.formats))
