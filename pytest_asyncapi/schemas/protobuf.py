"""Protobuf schemas: compile ``.proto`` text with grpcio-tools' protoc, decode strictly.

The schema is the ``.proto`` source written in the document (as the AsyncAPI protobuf schema
parser reads it). It is compiled once per text by ``python -m grpc_tools.protoc`` (packaged
with grpcio-tools, no system protoc), with the well-known ``google/protobuf/*`` imports.

Which message type a payload is, in order:
1. ``messageType=pkg.Name`` in the ``schemaFormat``
   (``application/vnd.google.protobuf;version=3;messageType=pkg.Name``);
2. the Confluent frame's message indexes, when the binding declares that frame;
3. the AsyncAPI protobuf schema parser's convention: the one top-level message no other message
   uses as a field type; among several, the one whose comment says ``@RootNode``.

Decoding is strict: bytes protobuf cannot parse, unknown fields, a known field number sent with
the wrong wire type, and proto2 ``required`` fields left unset are all violations.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_asyncapi.errors import SchemaCompileError

PROTOBUF_FORMAT = "application/vnd.google.protobuf"
_WIRE_TYPES = {
    0: "varint",
    1: "64-bit",
    2: "length-delimited",
    3: "start group",
    4: "end group",
    5: "32-bit",
}
_ROOT_NODE = re.compile(r"@RootNode\b")


def is_protobuf_format(schema_format: str | None) -> bool:
    return bool(schema_format) and str(schema_format).strip().lower().startswith(PROTOBUF_FORMAT)


def explicit_type(schema_format: str | None) -> str | None:
    """``messageType=...`` from the schema format's parameters."""
    for param in str(schema_format or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() in ("messagetype", "message"):
            return value.strip().strip('"') or None
    return None


@dataclass(frozen=True)
class ProtoProblem:
    """Why bytes or a value do not fit the message type: field path, expectation, text."""

    pointer: str
    expected: str
    message: str

    def text(self) -> str:
        return f"{self.message} (Protobuf {self.expected})"


@dataclass(frozen=True)
class ProtoDecoded:
    value: Any = None
    problem: ProtoProblem | None = None
    type_name: str = ""


_COMPILED: dict[str, Any] = {}
_COMPILE_LOCK = threading.Lock()


def _compile(source: str, where: str) -> Any:
    """The FileDescriptorSet of ``source`` (imports included), compiled once per text."""
    from google.protobuf import descriptor_pb2

    digest = hashlib.sha256(source.encode()).hexdigest()
    with _COMPILE_LOCK:
        if digest in _COMPILED:
            return _COMPILED[digest]
        import grpc_tools

        includes = Path(grpc_tools.__file__).parent / "_proto"
        with tempfile.TemporaryDirectory(prefix="asyncapi-proto-") as folder:
            (Path(folder) / "root.proto").write_text(source, encoding="utf-8")
            out = Path(folder) / "set.pb"
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "grpc_tools.protoc",
                    f"-I{folder}",
                    f"-I{includes}",
                    "--include_imports",
                    f"--descriptor_set_out={out}",
                    "root.proto",
                ],
                capture_output=True,
                text=True,
                cwd=folder,
                timeout=60,
                check=False,
            )
            if done.returncode != 0:
                said = (done.stderr or done.stdout).replace(f"{folder}/", "").splitlines()
                detail = " ".join(line for line in said if line.startswith("root.proto:"))
                detail = detail or " ".join(said[-3:])
                raise SchemaCompileError(where, f"the .proto text does not compile: {detail}")
            found = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
        _COMPILED[digest] = found
        return found


class ProtoSchema:
    """A compiled ``.proto`` text and the message type payloads are read as."""

    def __init__(
        self, source: Any, schema_format: str | None, where: str, *, choose_root: bool = True
    ) -> None:
        if not isinstance(source, str):
            raise SchemaCompileError(
                where, "a Protobuf schema must be the .proto source text (a string)"
            )
        from google.protobuf import descriptor_pool, message_factory

        self.where = where
        files = _compile(source, where)
        self._pool = descriptor_pool.DescriptorPool()
        for file in files.file:
            self._pool.Add(file)
        self._root_file = self._pool.FindFileByName("root.proto")
        self._factory = message_factory
        wanted = explicit_type(schema_format)
        if wanted:
            self.root = self._find(wanted, where)
        elif choose_root:
            self.root = self._conventional(source, where)
        else:  # a registry's writer schema: the frame's indexes name the type
            self.root = next(iter(self._root_file.message_types_by_name.values()))

    def _find(self, name: str, where: str) -> Any:
        package = self._root_file.package
        for candidate in (name, f"{package}.{name}" if package else name):
            try:
                return self._pool.FindMessageTypeByName(candidate)
            except KeyError:
                continue
        known = ", ".join(m.full_name for m in self._root_file.message_types_by_name.values())
        raise SchemaCompileError(where, f"messageType {name!r} is not in the .proto (has: {known})")

    def _conventional(self, source: str, where: str) -> Any:
        tops = list(self._root_file.message_types_by_name.values())
        if not tops:
            raise SchemaCompileError(where, "the .proto text declares no message")
        used = {
            f.message_type.full_name
            for m in tops
            for f in m.fields
            if f.message_type is not None and f.message_type.full_name != m.full_name
        }
        roots = [m for m in tops if m.full_name not in used]
        if len(roots) == 1:
            return roots[0]
        marked = [m for m in roots if _has_root_comment(source, m.name)]
        if len(marked) == 1:
            return marked[0]
        names = ", ".join(m.full_name for m in roots or tops)
        raise SchemaCompileError(
            where,
            f"the .proto has several root messages ({names}); mark one with a `// @RootNode` "
            "comment or name it in the schema format: "
            "application/vnd.google.protobuf;version=3;messageType=NAME",
        )

    def by_indexes(self, indexes: tuple[int, ...]) -> Any | None:
        """The message type a Confluent frame's indexes name in this file, if any."""
        found: Any = None
        candidates = list(self._root_file.message_types_by_name.values())
        for index in indexes:
            if not 0 <= index < len(candidates):
                return None
            found = candidates[index]
            candidates = list(found.nested_types)
        return found

    def message_class(self, descriptor: Any) -> Any:
        return self._factory.GetMessageClass(descriptor)

    def decode(self, data: bytes, descriptor: Any | None = None) -> ProtoDecoded:
        from google.protobuf.message import DecodeError

        descriptor = descriptor or self.root
        cls = self.message_class(descriptor)
        try:
            message = cls.FromString(data)
        except (DecodeError, RuntimeError, ValueError) as error:
            return ProtoDecoded(
                problem=ProtoProblem(
                    "",
                    f"message {descriptor.full_name}",
                    f"the bytes are not a valid {descriptor.name} ({error}); "
                    "truncated, or another type?",
                ),
                type_name=descriptor.full_name,
            )
        problem = strict_problem(message)
        return ProtoDecoded(message, problem, descriptor.full_name)

    def value_problem(self, value: Any) -> ProtoProblem | None:
        """Why a JSON value (a document example) is not a valid message of the root type."""
        return self.from_value(value)[1]

    def from_value(self, value: Any) -> tuple[Any, ProtoProblem | None]:
        from google.protobuf import json_format

        message = self.message_class(self.root)()
        try:
            json_format.ParseDict(value, message)
        except (json_format.ParseError, TypeError, ValueError) as error:
            return None, ProtoProblem("", f"message {self.root.full_name}", str(error))
        missing = message.FindInitializationErrors()
        if missing:
            return None, _required(message, missing)
        return message, None

    def encode(self, value: Any) -> bytes:
        message, problem = self.from_value(value)
        if problem is not None:
            raise ValueError(problem.text())
        return bytes(message.SerializeToString())


def _has_root_comment(source: str, name: str) -> bool:
    match = re.search(
        rf"((?://[^\n]*\n\s*)+|/\*.*?\*/\s*)message\s+{re.escape(name)}\b", source, re.S
    )
    return bool(match and _ROOT_NODE.search(match.group(1)))


def strict_problem(message: Any, pointer: str = "") -> ProtoProblem | None:
    """Unknown fields, wrong wire types or unset required fields, first found, with its path."""
    from google.protobuf import unknown_fields

    descriptor = message.DESCRIPTOR
    for unknown in unknown_fields.UnknownFieldSet(message):
        field = descriptor.fields_by_number.get(unknown.field_number)
        wire = _WIRE_TYPES.get(unknown.wire_type, str(unknown.wire_type))
        if field is not None:
            return ProtoProblem(
                _child(pointer, field.name),
                f"{_field_type(field)} field {field.number}",
                f"field {field.name} (number {field.number}) was sent with wire type {wire}, "
                f"which a {_field_type(field)} field never has",
            )
        return ProtoProblem(
            pointer or "",
            f"message {descriptor.full_name}",
            f"unknown field number {unknown.field_number} (wire type {wire}): "
            f"{descriptor.name} declares {sorted(descriptor.fields_by_number) or 'no fields'}",
        )
    missing = message.FindInitializationErrors()  # proto2 `required` (none in proto3)
    if missing:
        return _required(message, missing, pointer)
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            items = value.items()
            entries = [(str(k), v) for k, v in items if hasattr(v, "DESCRIPTOR")]
        elif is_repeated(field):
            entries = [(str(i), v) for i, v in enumerate(value)]
        else:
            entries = [("", value)]
        for suffix, item in entries:
            where = _child(pointer, field.name)
            found = strict_problem(item, _child(where, suffix) if suffix else where)
            if found is not None:
                return found
    return None


def is_repeated(field: Any) -> bool:
    """``repeated`` (protobuf 5.28+ has ``is_repeated``; older ones only ``label``)."""
    found = getattr(field, "is_repeated", None)
    return bool(found) if found is not None else bool(field.label == field.LABEL_REPEATED)


def _required(message: Any, missing: list[str], pointer: str = "") -> ProtoProblem:
    path = pointer + "".join("/" + p for p in re.split(r"[.\[\]]+", missing[0]) if p)
    return ProtoProblem(
        path, f"message {message.DESCRIPTOR.full_name}", f"required field {missing[0]} is not set"
    )


def _child(pointer: str, token: str) -> str:
    return f"{pointer}/{token.replace('~', '~0').replace('/', '~1')}"


def _field_type(field: Any) -> str:
    names = {
        v: k[len("TYPE_") :].lower()
        for k, v in vars(type(field)).items()
        if k.startswith("TYPE_") and isinstance(v, int)
    }
    return str(names.get(field.type, "field"))


def to_json(message: Any) -> Any:
    """A decoded message as JSON (for excerpts)."""
    from google.protobuf import json_format

    return json_format.MessageToDict(message, preserving_proto_field_name=True)
