"""Avro and Protobuf payloads and keys: framing, registry, decoding, as one check.

``compile_schema`` gives a :class:`BinarySchema` for an Avro or Protobuf ``SchemaSpec`` (it
checks *values*, e.g. document examples); :func:`check_bytes` checks the bytes of a message
part: it removes the frame the Kafka message binding declares (``framing.py``), fetches the
writer schema from a registry when there is one (``registry.py``) and checks it twice (the
bytes decode with it; it is compatible with the document's schema), then decodes strictly.
Without a registry the bytes are decoded with the document's schema.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.schemas import framing as framing_rules
from pytest_asyncapi.schemas.registry import GENERATION as _GENERATION
from pytest_asyncapi.schemas.violations import CheckResult, SchemaViolation, Verdict, excerpt

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_asyncapi.schemas.avro import AvroProblem, AvroSchema
    from pytest_asyncapi.schemas.protobuf import ProtoProblem, ProtoSchema
    from pytest_asyncapi.spec.model import SchemaSpec, Spec

INSTALL_HINT = "install the extra: pip install 'pytest-asyncapi[binary]'"
_VALID = CheckResult(Verdict.VALID)


def binary_language(schema_format: str | None) -> str | None:
    """``avro`` / ``protobuf`` when ``schema_format`` names one, else ``None``."""
    shown = str(schema_format or "").strip().lower()
    if shown.startswith("application/vnd.apache.avro"):
        return "avro"
    if shown.startswith("application/vnd.google.protobuf"):
        return "protobuf"
    return None


class BinarySchema:
    """An Avro or Protobuf schema compiled once; ``check`` checks decoded/example values."""

    reason: str | None = None

    def __init__(self, spec: SchemaSpec, language: str) -> None:
        self.language = language
        self.name = spec.name
        self.pointer = spec.pointer
        where = "#" + spec.pointer
        self.avro: AvroSchema | None = None
        self.proto: ProtoSchema | None = None
        self._fast: dict[tuple[int, int, int, str | None], tuple[Any, Any, Any]] = {}
        if language == "avro":
            from pytest_asyncapi.schemas.avro import AvroSchema

            self.avro = AvroSchema(spec.schema, where)
            self.excerpt = excerpt(spec.schema, 200)
        else:
            from pytest_asyncapi.schemas.protobuf import ProtoSchema

            self.proto = ProtoSchema(spec.schema, spec.schema_format, where)
            self.excerpt = f"message {self.proto.root.full_name}"

    def fast_path(
        self, bindings: Mapping[str, Any], spec: Spec | None, content_type: str | None
    ) -> Any:
        """For Avro bytes read with the document's schema (no registry): a function that says
        ``True`` when ``data`` decodes completely, built once per (bindings, spec). A ``False``
        (or ``None``: no fast path) sends the bytes through the full, explaining check."""
        key = (id(bindings), id(spec), _GENERATION[0], content_type)
        hit = self._fast.get(key)
        if hit is not None and hit[0] is bindings and hit[1] is spec:
            return hit[2]
        from pytest_asyncapi.schemas.registry import registry_url

        framing = framing_rules.framing_of(bindings)
        usable = (
            self.avro is not None
            and isinstance(framing, framing_rules.Framing)
            and framing.location != "header"
            and registry_url(spec) is None
            and not _is_json(content_type)
        )
        found = _avro_fast(self.avro, framing) if usable else None  # type: ignore[arg-type]
        self._fast[key] = (bindings, spec, found)
        return found

    def is_valid(self, value: Any, *, trusted: bool = False) -> bool:
        return self.check(value).verdict is Verdict.VALID

    def check(self, value: Any, *, trusted: bool = False) -> CheckResult:
        if self.avro is not None:
            found = self.avro.value_problems(value)
            if not found:
                return _VALID
            return CheckResult(Verdict.INVALID, tuple(self.avro_violation(p, value) for p in found))
        assert self.proto is not None
        problem = self.proto.value_problem(value)
        if problem is None:
            return _VALID
        return CheckResult(Verdict.INVALID, (self.proto_violation(problem, excerpt(value, 120)),))

    def encode(self, value: Any) -> tuple[bytes, tuple[int, ...]]:
        """Binary encoding of a document example, and the Confluent indexes of its type."""
        if self.avro is not None:
            return self.avro.encode(value), ()
        assert self.proto is not None
        return self.proto.encode(value), _indexes_of(self.proto.root)

    def avro_violation(
        self, problem: AvroProblem, shown: Any, keyword: str = "avro"
    ) -> SchemaViolation:
        return SchemaViolation(
            problem.pointer,
            keyword,
            problem.text(),
            self.name,
            self.excerpt,
            shown if isinstance(shown, str) else excerpt(shown, 120),
        )

    def proto_violation(
        self, problem: ProtoProblem, shown: str, keyword: str = "protobuf"
    ) -> SchemaViolation:
        return SchemaViolation(
            problem.pointer, keyword, problem.text(), self.name, self.excerpt, shown
        )


def _avro_fast(avro: AvroSchema, framing: framing_rules.Framing) -> Any:
    import io

    import fastavro

    reader, parsed, stream_of = fastavro.schemaless_reader, avro.parsed, io.BytesIO
    skip = 1 + framing.id_size if framing.framed else 0

    def decodes(data: bytes) -> bool:
        if skip and (len(data) < skip or data[0] != 0):
            return False
        stream = stream_of(data)
        stream.seek(skip)
        try:
            reader(stream, parsed, None)
        except Exception:  # the full check explains it
            return False
        return stream.tell() == len(data)

    return decodes


def compile_binary(spec: SchemaSpec) -> Any:
    """A :class:`BinarySchema` for an Avro/Protobuf spec, ``None`` for other formats, or the
    reason (str) it cannot be checked here (library missing)."""
    language = binary_language(spec.schema_format)
    if language is None:
        return None
    try:
        return BinarySchema(spec, language)
    except ImportError as error:
        return f"{language} schemas need {error.name}: {INSTALL_HINT}"
    except SchemaCompileError:
        raise


def hex_excerpt(data: bytes, offset: int | None = None, limit: int = 32) -> str:
    """``data`` as hex (first ``limit`` bytes, or around ``offset``), with its length."""
    start = 0 if offset is None or offset < limit else max(0, offset - limit // 2)
    shown = data[start : start + limit].hex(" ")
    lead = "… " if start else ""
    tail = " …" if start + limit < len(data) else ""
    at = f", offset {offset}" if offset is not None else ""
    return f"hex {lead}{shown}{tail} ({len(data)} bytes{at})"


def check_bytes(
    schema: BinarySchema,
    data: bytes,
    *,
    bindings: Mapping[str, Any],
    headers: Any,
    part: str,
    content_type: str | None,
    spec: Spec | None,
) -> CheckResult:
    """Check one message part's bytes (``part`` ``payload`` or ``key``) against ``schema``."""
    fast = schema.fast_path(bindings, spec, content_type if part == "payload" else None)
    if fast is not None and fast(data):
        return _VALID
    if _is_json(content_type) and part == "payload":
        return _check_json(schema, data)
    framing = framing_rules.framing_of(bindings)
    if isinstance(framing, str):
        return CheckResult(Verdict.UNCHECKED, reason=framing)
    unframed = framing_rules.unframe(data, framing, protobuf=schema.proto is not None)
    if unframed.problem is not None:
        return _invalid(schema, "framing", unframed.problem, data, 0)
    schema_id = unframed.schema_id
    if framing.location == "header":
        found = framing_rules.header_schema_id(headers, part)
        if isinstance(found, str):
            return _invalid(schema, "framing", found, data, None)
        if found is None:
            return _invalid(
                schema,
                "framing",
                f"the binding puts the schema id in a header, but {framing_rules.ID_HEADERS[part]} "
                "is missing",
                data,
                None,
            )
        schema_id = found
    from pytest_asyncapi.schemas.registry import client_for, registry_url

    url = registry_url(spec) if schema_id is not None else None
    if url is not None and schema_id is not None:
        return _with_writer(schema, unframed, data, client_for(url), schema_id)
    return _decode(schema, unframed.body, data, unframed.offset, unframed.indexes, framing)


@functools.lru_cache(maxsize=256)
def _is_json(content_type: str | None) -> bool:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return base in ("application/json", "text/json") or base.endswith("+json")


def _check_json(schema: BinarySchema, data: bytes) -> CheckResult:
    if schema.avro is not None:
        decoded = schema.avro.decode_json(data)
        if decoded.problem is None:
            return _VALID
        return CheckResult(
            Verdict.INVALID,
            (schema.avro_violation(decoded.problem, data[:120].decode("utf-8", "replace")),),
        )
    import orjson

    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        return _invalid(schema, "contentType", f"payload is not JSON ({error})", data, None)
    return schema.check(value)


def _decode(
    schema: BinarySchema,
    body: bytes,
    whole: bytes,
    offset: int,
    indexes: tuple[int, ...],
    framing: framing_rules.Framing,
) -> CheckResult:
    if schema.avro is not None:
        decoded = schema.avro.decode(body)
        if decoded.problem is None:
            return _VALID
        problem = decoded.problem
        at = None if problem.offset is None else problem.offset + offset
        message = (
            problem.text()
            if not offset
            else problem.text().replace(
                f"at byte {problem.offset}", f"at byte {at} of the framed value"
            )
        )
        return CheckResult(
            Verdict.INVALID,
            (
                _violation(
                    schema,
                    problem.pointer,
                    "avro",
                    message + _frame_hint(schema, whole, framing),
                    whole,
                    at,
                ),
            ),
        )
    assert schema.proto is not None
    descriptor = schema.proto.by_indexes(indexes) if indexes else None
    if indexes and descriptor is None:
        return _invalid(
            schema,
            "framing",
            f"the frame's message indexes {list(indexes)} name no "
            "message type of the document's .proto",
            whole,
            offset,
        )
    result = schema.proto.decode(body, descriptor)
    if result.problem is None:
        return _VALID
    return CheckResult(
        Verdict.INVALID,
        (
            _violation(
                schema,
                result.problem.pointer,
                "protobuf",
                result.problem.text() + _frame_hint(schema, whole, framing),
                whole,
                None,
            ),
        ),
    )


def _frame_hint(schema: BinarySchema, data: bytes, framing: framing_rules.Framing) -> str:
    """The reverse mistake: a Confluent frame on bytes the binding says are plain."""
    if framing.location is not None or len(data) < 5 or data[0] != 0:
        return ""
    if schema.avro is not None and schema.avro.decode(data[5:]).problem is not None:
        return ""
    schema_id = int.from_bytes(data[1:5], "big")
    return (
        f"; the bytes look Confluent-framed (magic byte 0, schema id {schema_id}) but the "
        "Kafka message binding declares no schemaIdLocation"
    )


def _with_writer(
    schema: BinarySchema,
    unframed: framing_rules.Unframed,
    whole: bytes,
    client: Any,
    schema_id: int,
) -> CheckResult:
    from pytest_asyncapi.schemas.registry import RegistryError

    try:
        writer = client.schema(schema_id)
    except RegistryError as error:
        if "is not in the schema registry" in str(error):
            return _invalid(schema, "schemaId", str(error), whole, 1)
        return CheckResult(Verdict.UNCHECKED, reason=str(error))
    expected = "AVRO" if schema.avro is not None else "PROTOBUF"
    if writer.schema_type != expected:
        return _invalid(
            schema,
            "schemaId",
            f"schema id {schema_id} is a {writer.schema_type} "
            f"schema in the registry; the document declares {expected}",
            whole,
            1,
        )
    where = f"registry schema {schema_id}"
    try:
        if schema.avro is not None:
            return _avro_with_writer(schema, schema.avro, unframed, whole, writer.text, where)
        return _proto_with_writer(schema, unframed, whole, writer.text, where)
    except SchemaCompileError as error:
        return _invalid(schema, "schemaId", f"{where} cannot be used: {error}", whole, None)


def _avro_with_writer(
    schema: BinarySchema,
    reader: AvroSchema,
    unframed: framing_rules.Unframed,
    whole: bytes,
    text: str,
    where: str,
) -> CheckResult:
    from pytest_asyncapi.schemas.avro import parse_schema_text, resolution_problems

    writer = _writer_cache(text, where, parse_schema_text)
    found = resolution_problems(writer.parsed, reader.parsed, writer.named, reader.named)
    if found:
        return CheckResult(
            Verdict.INVALID,
            tuple(
                _violation(
                    schema,
                    p.pointer,
                    "writer-schema",
                    f"the writer schema ({where}) is not compatible with the document's: "
                    f"{p.text()}",
                    whole,
                    None,
                )
                for p in found
            ),
        )
    decoded = reader.decode(unframed.body, writer)
    if decoded.problem is None:
        return _VALID
    problem = decoded.problem
    at = None if problem.offset is None else problem.offset + unframed.offset
    return CheckResult(
        Verdict.INVALID,
        (
            _violation(
                schema,
                problem.pointer,
                "avro",
                f"does not decode with the writer schema ({where}): {problem.text()}",
                whole,
                at,
            ),
        ),
    )


def _proto_with_writer(
    schema: BinarySchema, unframed: framing_rules.Unframed, whole: bytes, text: str, where: str
) -> CheckResult:
    from pytest_asyncapi.schemas.protobuf import ProtoSchema

    assert schema.proto is not None
    writer = _writer_cache(text, where, lambda t, w: ProtoSchema(t, None, w, choose_root=False))
    descriptor = writer.by_indexes(unframed.indexes or (0,))
    if descriptor is None:
        return _invalid(
            schema,
            "framing",
            f"the frame's message indexes {list(unframed.indexes)} name no message type of {where}",
            whole,
            unframed.offset,
        )
    found = proto_field_changes(descriptor, schema.proto.root)
    if found:
        return CheckResult(
            Verdict.INVALID,
            tuple(
                _violation(
                    schema,
                    pointer,
                    "writer-schema",
                    f"the writer schema ({where}) is not compatible with the document's: {text_}",
                    whole,
                    None,
                )
                for pointer, text_ in found
            ),
        )
    result = writer.decode(unframed.body, descriptor)
    if result.problem is None:
        return _VALID
    return CheckResult(
        Verdict.INVALID,
        (
            _violation(
                schema, result.problem.pointer, "protobuf", result.problem.text(), whole, None
            ),
        ),
    )


_WRITERS: dict[str, Any] = {}


def _writer_cache(text: str, where: str, build: Any) -> Any:
    hit = _WRITERS.get(text)
    if hit is None:
        hit = _WRITERS[text] = build(text, where)
    return hit


def proto_field_changes(
    old: Any, new: Any, pointer: str = "", seen: set[str] | None = None
) -> list[tuple[str, str]]:
    """Field-number/type incompatibilities between two message types (wire compatibility)."""
    seen = set() if seen is None else seen
    if old.full_name in seen:
        return []
    seen.add(old.full_name)
    found: list[tuple[str, str]] = []
    new_fields = new.fields_by_number
    for number, field in sorted(old.fields_by_number.items()):
        other = new_fields.get(number)
        child = f"{pointer}/{field.name}"
        if other is None:
            continue
        if _wire_group(field) != _wire_group(other):
            found.append(
                (
                    child,
                    f"field number {number} is {_type_label(field)} {field.name} in one "
                    f"and {_type_label(other)} {other.name} in the other",
                )
            )
        elif field.message_type is not None and other.message_type is not None:
            found += proto_field_changes(field.message_type, other.message_type, child, seen)
    return found


def _type_label(field: Any) -> str:
    from pytest_asyncapi.schemas.protobuf import _field_type, is_repeated

    kind = _field_type(field)
    if field.message_type is not None:
        kind = field.message_type.full_name
    return ("repeated " if is_repeated(field) else "") + kind


def _wire_group(field: Any) -> tuple[str, bool]:
    """Types that read each other's bytes without change share a group (protobuf's rules)."""
    from pytest_asyncapi.schemas.protobuf import is_repeated

    kind = field.type
    repeated = is_repeated(field)
    groups = {
        (3, 4, 5, 13, 8, 14): "varint",  # int64 uint64 int32 uint32 bool enum
        (17,): "sint32",
        (18,): "sint64",
        (7, 15): "fixed32",
        (2,): "float",
        (6, 16): "fixed64",
        (1,): "double",
        (9, 12): "bytes",  # string, bytes
    }
    for members, name in groups.items():
        if kind in members:
            return name, repeated
    if field.message_type is not None:
        return "message", repeated
    return str(kind), repeated


def _indexes_of(descriptor: Any) -> tuple[int, ...]:
    path: list[int] = []
    current = descriptor
    while current.containing_type is not None:
        path.append(list(current.containing_type.nested_types).index(current))
        current = current.containing_type
    path.append(list(current.file.message_types_by_name.values()).index(current))
    return tuple(reversed(path))


def _violation(
    schema: BinarySchema, pointer: str, keyword: str, text: str, data: bytes, offset: int | None
) -> SchemaViolation:
    return SchemaViolation(
        pointer, keyword, text, schema.name, schema.excerpt, hex_excerpt(data, offset)
    )


def _invalid(
    schema: BinarySchema, keyword: str, text: str, data: bytes, offset: int | None
) -> CheckResult:
    return CheckResult(Verdict.INVALID, (_violation(schema, "", keyword, text, data, offset),))


def writer_schema_note(specs: Sequence[Spec]) -> str | None:
    """The summary line when registry-framed binary messages were checked without a registry."""
    from pytest_asyncapi.schemas.registry import registry_url

    for spec in specs:
        if registry_url(spec) is not None:
            continue
        for channel in spec.channels:
            for message in channel.messages:
                declared = framing_rules.framing_of(message.bindings)
                binary = message.payload is not None and binary_language(
                    message.payload.schema_format
                )
                if binary and isinstance(declared, framing_rules.Framing) and declared.location:
                    return (
                        "writer schemas were not checked: no schema registry (set "
                        "schemaRegistryUrl in the Kafka server binding or "
                        "--asyncapi-schema-registry); Avro/Protobuf bytes were decoded with the "
                        "document's schemas"
                    )
    return None
