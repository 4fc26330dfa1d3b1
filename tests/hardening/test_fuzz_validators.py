"""Fuzzing the validators and the message checks: never a crash, always a verdict.

Random JSON Schema fragments either compile or raise ``SchemaCompileError``; a compiled
schema's ``check`` returns a ``CheckResult`` for any Python value (JSON or not) and agrees
with ``is_valid``. ``check_message`` and ``judge`` take random payload bytes, headers
(non-UTF-8, huge) and keys, and always give a verdict.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.check.contract import MessageVerdict, Outcome, judge
from pytest_asyncapi.check.message_check import MessageCheck, check_message
from pytest_asyncapi.errors import SchemaCompileError
from pytest_asyncapi.routing import Router, build_routes
from pytest_asyncapi.schemas.compile import CheckResult, Verdict, compile_schema
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.model import Message, SchemaSpec, Spec
from tests.support.hostile_documents import CALL_BOUND

FUZZ = settings(
    max_examples=300,
    deadline=None,  # bounded by CALL_BOUND per call instead (stable on a busy CI)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- random schemas -------------------------------------------------------------------

TYPES = ["string", "integer", "number", "object", "array", "boolean", "null", "nope"]
FORMATS = [
    *("email", "uri", "uuid", "date-time", "date", "time", "ipv4", "ipv6", "hostname", "regex"),
    *("uri-reference", "json-pointer", "idn-email", "duration", "int32", "bogus", ""),
]
PATTERNS = [
    *("^(a+)+$", "(?=a)a", "(a)\\1", "[", "\\p{L}+", "^\\d{3}$", "(?<!x)y", ".*", "\\"),
    *("(?i)abc", "a{1000}", "(a*)*\\1b"),
]
KEYWORDS = [
    *("type", "format", "pattern", "enum", "const", "minimum", "maximum", "exclusiveMinimum"),
    *("multipleOf", "minLength", "maxLength", "required", "properties", "items", "not", "if"),
    *("additionalProperties", "allOf", "anyOf", "oneOf", "then", "else", "$ref", "$defs"),
    *("definitions", "dependencies", "patternProperties", "propertyNames", "contains"),
    *("minItems", "uniqueItems", "discriminator", "x-foo", "title", "default", "examples"),
    *("$id", "$schema", "prefixItems", "unevaluatedProperties", "dependentRequired"),
]
SCHEMA_FORMATS = [
    None,
    "application/vnd.aai.asyncapi+json;version=3.0.0",
    "application/schema+json;version=draft-04",
    "application/schema+json;version=draft-06",
    "application/schema+json;version=2019-09",
    "application/schema+json;version=2020-12",
    "application/vnd.apache.avro;version=1.9.0",
    "weird",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=10,
)
leaf_schemas = (
    st.booleans()
    | st.builds(lambda t: {"type": t}, st.sampled_from(TYPES))
    | st.builds(lambda f: {"type": "string", "format": f}, st.sampled_from(FORMATS))
    | st.builds(lambda p: {"pattern": p}, st.sampled_from(PATTERNS) | st.text(max_size=8))
)


def _schema_objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keyword_values = (
        children
        | json_values
        | st.sampled_from(TYPES + FORMATS + PATTERNS)
        | st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
    )
    return st.dictionaries(st.sampled_from(KEYWORDS), keyword_values, max_size=4)


schemas = st.recursive(leaf_schemas, _schema_objects, max_leaves=12) | json_values
values = (
    json_values
    | st.sampled_from([float("nan"), float("inf"), -float("inf"), b"x", {1: 2}, {"a": {1, 2}}])
    | st.integers(min_value=2**64)
    | st.builds(lambda depth: _deep_list(depth), st.integers(900, 1100))
)


def _deep_list(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def _timed(call: Any, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    elapsed = time.perf_counter() - started
    assert elapsed < CALL_BOUND, f"{call.__name__} took {elapsed:.1f} s"
    return result


@FUZZ
@given(
    schema=schemas,
    schema_format=st.sampled_from(SCHEMA_FORMATS),
    checked=st.lists(values, max_size=4),
)
def test_random_schemas_compile_or_refuse_and_check_any_value(
    schema: Any, schema_format: str | None, checked: list[Any]
) -> None:
    spec = SchemaSpec(schema, schema_format or "", "/components/schemas/Fuzz")
    try:
        compiled = _timed(compile_schema, spec)
    except SchemaCompileError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert refused.where.startswith("#/components/schemas/Fuzz")
        return
    for value in checked:
        result = _timed(compiled.check, value)
        assert isinstance(result, CheckResult)
        assert (result.verdict is Verdict.INVALID) == bool(result.violations)
        assert result.verdict is not Verdict.UNCHECKED or result.reason
        assert _timed(compiled.is_valid, value) == (result.verdict is Verdict.VALID)


# --- random messages ------------------------------------------------------------------

SPEC = """\
asyncapi: 3.0.0
info: {title: hostile, version: '1'}
channels:
  orders:
    address: 'orders.{region}.created'
    parameters:
      region: {enum: [eu, us]}
    messages:
      Order:
        contentType: application/json
        payload:
          type: object
          required: [id]
          properties:
            id: {type: integer}
            note: {type: string, pattern: '^(a+)+$'}
            price: {type: number}
        headers:
          type: object
          properties:
            n: {type: integer}
            b: {type: boolean}
            o: {type: object}
            s: {type: string, format: uuid}
        bindings:
          kafka:
            key: {type: integer}
      Other:
        payload: {type: array, items: {type: string}}
  text:
    address: logs
    messages:
      Line:
        contentType: text/plain
        payload: {type: string, maxLength: 10}
  binary:
    address: blobs
    messages:
      Blob:
        contentType: application/octet-stream
        payload: {type: object}
  avro:
    address: avro
    messages:
      Record:
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema: {type: record, name: R, fields: []}
  empty:
    address: empty
    messages: {}
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    path = tmp_path_factory.mktemp("messages") / "hostile.yaml"
    path.write_text(SPEC)
    loaded = load_spec(path, strict=True)
    return loaded


@pytest.fixture(scope="module")
def routers(spec: Spec) -> list[Router]:
    return [Router(build_routes([spec], protocol)[0]) for protocol in ("nats", "kafka")]


def _messages(spec: Spec) -> list[Message]:
    return [message for channel in spec.channels for message in channel.messages]


payloads = (
    st.binary(max_size=100)
    | json_values.map(orjson.dumps)
    | st.sampled_from(
        [
            *(b"NaN", b'{"id": NaN}', b'{"id": Infinity}', b'{"id": -Infinity}', b"\xff\xfe"),
            *(b'{"id": 1e999}', b'{"id": 1, "id": 2}', b'{"id": 1', b"", b"\x00", b'"\\ud800"'),
            *(b'{"\\ud800": 1}', b"[" * 2000 + b"]" * 2000, b'{"id": 12345678901234567890123}'),
            b'{"id": 1, "note": "' + b"a" * 50 + b'!"}',
        ]
    )
)
header_values = (
    st.text(max_size=20)
    | st.binary(max_size=20)
    | st.sampled_from([b"\xff", "x" * 100_000, b"\xc3", "1", "true", "{}", "[", "null", "NaN"])
)
headers = st.none() | st.lists(  # (name, value) pairs as a broker gives them: names may repeat
    st.tuples(st.sampled_from(["n", "b", "o", "s", "x", ""]) | st.text(max_size=5), header_values),
    max_size=5,
)
keys = st.none() | st.binary(max_size=20) | st.sampled_from([b"\xff", b"1", b"NaN", b"9" * 5000])
destinations = st.sampled_from(
    [
        *("orders.eu.created", "orders.xx.created", "orders..created", "orders.eu.x.created"),
        *(
            "logs",
            "blobs",
            "avro",
            "empty",
            "nope",
            "",
            "orders.\u00e9.created",
            "orders.*.created",
        ),
    ]
) | st.text(max_size=20)


@FUZZ
@given(
    payload=payloads,
    message_headers=headers,
    key=keys,
    check_key=st.booleans(),
    index=st.integers(0, 4),
)
def test_check_message_gives_a_verdict_for_any_bytes(
    spec: Spec,
    payload: bytes,
    message_headers: list[tuple[str, Any]] | None,
    key: bytes | None,
    check_key: bool,
    index: int,
) -> None:
    message = _messages(spec)[index]
    checked = _timed(check_message, message, payload, message_headers, key, check_key=check_key)
    assert isinstance(checked, MessageCheck)
    if checked.verdict is Verdict.INVALID:
        assert checked.violations()
    if checked.verdict is Verdict.UNCHECKED:
        assert checked.unchecked_reasons()


@FUZZ
@given(
    destination=destinations,
    payload=payloads,
    message_headers=headers,
    key=keys,
    check_key=st.booleans(),
)
def test_judge_gives_one_verdict_per_spec_for_any_message(
    routers: list[Router],
    destination: str,
    payload: bytes,
    message_headers: list[tuple[str, Any]] | None,
    key: bytes | None,
    check_key: bool,
) -> None:
    pairs = None
    if message_headers is not None:
        pairs = tuple((k, v if isinstance(v, bytes) else v.encode()) for k, v in message_headers)
    captured = Captured(destination, payload, pairs, 0.0, 1, key=key)
    for router in routers:
        verdicts = _timed(judge, captured, router, check_key=check_key)
        assert len(verdicts) == 1  # one spec: one verdict, never none (nothing lost)
        verdict = verdicts[0]
        assert isinstance(verdict, MessageVerdict)
        assert verdict.captured is captured
        if verdict.outcome is Outcome.INVALID:
            assert verdict.violations
        if verdict.outcome is Outcome.UNCHECKED:
            assert verdict.reasons


def test_the_fuzzed_spec_is_what_the_tests_think(spec: Spec) -> None:
    assert [m.display_name for m in _messages(spec)] == ["Order", "Other", "Line", "Blob", "Record"]
