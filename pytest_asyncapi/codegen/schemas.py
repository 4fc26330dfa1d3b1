"""One JSON Schema document holding every message's payload and headers, for the generator.

The loader has already read the document (any AsyncAPI version, traits applied, multi-format
schemas unwrapped, ``$ref`` inlined in place). Here each message schema is copied back into a
plain JSON Schema: a node a ``$ref`` named (``#/components/schemas/Address``) or that contains
itself becomes one entry of ``$defs`` with a unique class name, so the generator makes one class
per named schema and recursion becomes a forward reference instead of endless nesting.
The copy drops what the generator misreads: ``x-*`` extensions, AsyncAPI's string
``discriminator``, ``$id``/``$schema`` (each message may use another draft), examples and
defaults (a generated model emits only what was set), and rewrites draft-04 boolean
``exclusiveMinimum``/``exclusiveMaximum`` into their numeric form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.codegen.naming import Names, class_name
from pytest_asyncapi.schemas.bundle import Position, child_position
from pytest_asyncapi.schemas.dialects import dialect_for

if TYPE_CHECKING:
    from pytest_asyncapi.spec.model import SchemaSpec

_DROPPED = frozenset(
    {"discriminator", "$id", "$schema", "id", "examples", "example", "default", "externalDocs",
     "$comment", "readOnly", "writeOnly", "deprecated", "contentEncoding", "contentMediaType"}
)  # fmt: skip


CHECKED_TEXT = {"email": "Email", "uri": "Uri"}
"""String formats kept as text and checked by the generated package as the plugin checks
them (``_formats.py``); ``uuid``, ``date-time`` and ``date`` become pydantic's own types."""


class SchemaDocument:
    """Collects message schemas into ``$defs``; :meth:`add` returns the class name given."""

    def __init__(self, reserved: set[str] | None = None, formats_module: str = "") -> None:
        self.names = Names(reserved)
        self.formats_module = formats_module
        """Where the checked string types live (``pkg._formats``); empty: formats as ``str``."""
        self.formats: set[str] = set()
        """The checked string formats the schemas use (keys of :data:`CHECKED_TEXT`)."""
        self.defs: dict[str, Any] = {}
        self._named: dict[int, str] = {}
        self._recursive: set[int] = set()

    def add(self, spec: SchemaSpec, preferred: str) -> str:
        """Copy ``spec``'s schema in; the class name of its root."""
        schema = spec.schema
        if isinstance(schema, dict) and id(schema) in self._named:
            return self._named[id(schema)]
        dialect = dialect_for(spec.schema_format)
        draft = "draft-07" if isinstance(dialect, str) else dialect.draft
        self._find_cycles(schema, Position.SCHEMA, set(), set())
        origin = spec.origins.get(id(schema))
        name = self._claim(schema, _ref_name(origin) or preferred)
        self.defs[name] = self._body(schema, draft, spec.origins)
        return name

    def document(self) -> dict[str, Any]:
        return {"$defs": {name: self.defs[name] for name in sorted(self.defs)}}

    def _claim(self, node: Any, preferred: str) -> str:
        name = self.names.claim(class_name(preferred))
        self._named[id(node)] = name
        return name

    def _find_cycles(
        self, node: Any, position: Position, on_path: set[int], done: set[int]
    ) -> None:
        if not isinstance(node, (dict, list)) or id(node) in done:
            return
        if id(node) in on_path:
            self._recursive.add(id(node))
            return
        on_path.add(id(node))
        for token, child in _items(node):
            self._find_cycles(child, child_position(position, token, child), on_path, done)
        on_path.discard(id(node))
        done.add(id(node))

    def _copy(self, node: Any, position: Position, draft: str, origins: Any) -> Any:
        if position is Position.DATA or not isinstance(node, (dict, list)):
            return node
        if position is Position.SCHEMA and isinstance(node, dict):
            named = id(node) in self._named
            origin = _ref_name(origins.get(id(node)))
            if not named and (origin or id(node) in self._recursive):
                name = self._claim(node, origin or "Recursive")
                self.defs[name] = self._body(node, draft, origins)
                named = True
            if named:
                return {"$ref": f"#/$defs/{self._named[id(node)]}"}
        if isinstance(node, list):
            return [
                self._copy(c, child_position(position, i, c), draft, origins)
                for i, c in enumerate(node)
            ]
        if position is Position.SCHEMA:
            return self._body(node, draft, origins)
        return {
            k: self._copy(c, child_position(position, k, c), draft, origins)
            for k, c in node.items()
        }

    def _body(self, node: Any, draft: str, origins: Any) -> Any:
        if not isinstance(node, dict):
            return node
        body: dict[str, Any] = {}
        for key, child in node.items():
            if key in _DROPPED or key.startswith("x-"):
                continue
            body[key] = self._copy(
                child, child_position(Position.SCHEMA, key, child), draft, origins
            )
        if draft == "draft-04":
            _numeric_exclusive(body)
        fmt = body.get("format")
        kind = (
            CHECKED_TEXT.get(fmt) if isinstance(fmt, str) and body.get("type") == "string" else None
        )
        if kind is not None and self.formats_module:
            body["x-python-type"] = f"{self.formats_module}.{kind}"
            self.formats.add(body["format"])
        return body


def _items(node: Any) -> list[tuple[str | int, Any]]:
    if isinstance(node, dict):
        return [(k, v) for k, v in node.items() if isinstance(k, str)]
    return list(enumerate(node))


def _ref_name(origin: str | None) -> str | None:
    """``#/components/schemas/Address`` -> ``Address``; ``other.yaml`` -> ``other``."""
    if not origin:
        return None
    file, _, fragment = origin.partition("#")
    if not fragment.strip("/"):
        stem = file.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]
        return stem or None
    last = fragment.rstrip("/").rsplit("/", 1)[-1]
    return None if last in _NOT_NAMES or last.isdigit() else last


_NOT_NAMES = frozenset(
    {"payload", "headers", "schema", "items", "properties", "additionalProperties", "key"}
)


def _numeric_exclusive(body: dict[str, Any]) -> None:
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(body.get(flag), bool) and body.pop(flag) and bound in body:
            body[flag] = body.pop(bound)
