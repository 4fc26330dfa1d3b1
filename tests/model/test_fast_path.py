"""The fast path gives the full judge's verdicts: on every sample spec's messages (examples,
broken copies of them, not-JSON, headers, keys, parameters) and on a fuzzed mix of valid and
invalid records. Also: valid records really take the fast path, and the plan is built once."""

from __future__ import annotations

import functools
import itertools
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.check.fast_path import PlainCount, Planner
from pytest_asyncapi.check.recorder import Recorder
from pytest_asyncapi.routing import Router, build_routes, consumer_routes, declared_protocol
from pytest_asyncapi.schemas.strategies import value_strategy
from pytest_asyncapi.spec.loader import load_spec
from tests.support.judge_equivalence import record_difference, window_difference

if TYPE_CHECKING:
    from pytest_asyncapi.spec.model import Message, Spec

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "sample_specs").glob("*.yaml"))
_seq = itertools.count()


Pairs = tuple[tuple[str, bytes], ...]


def captured(
    destination: str,
    payload: bytes,
    headers: Pairs | None = None,
    key: bytes | None = None,
    *,
    reply: str | None = None,
    defect: str | None = None,
    tombstone: bool = False,
) -> Captured:
    return Captured(
        destination,
        b"" if tombstone else payload,
        headers,
        0.0,
        next(_seq),
        key=key,
        reply=reply,
        defect=defect,
        tombstone=tombstone,
    )


def broken_copies(value: Any) -> list[Any]:
    """Values near ``value`` that a schema is likely to refuse."""
    out: list[Any] = [None, [], "text", 0, {"unexpected": True}]
    if isinstance(value, dict):
        for name in list(value)[:4]:
            out.append({k: v for k, v in value.items() if k != name})  # drop a field
            out.append({**value, name: [value[name]]})  # wrong type
        out.append({**value, "extraField": 1})
    return out


def payload_bytes(message: Message) -> list[bytes]:
    examples = [e.payload for e in message.examples if e.has_payload]
    values = examples + [v for e in examples for v in broken_copies(e)]
    encoded = [orjson.dumps(v) for v in values]
    repeated = [e[:-1] + b', "id": 1}' for e in encoded if e.startswith(b"{") and len(e) > 2]
    return [*encoded, *repeated[:2], b"", b"not json", b"\xff\xfe", b'{"a": 1}{']


def header_variants(message: Message) -> list[Pairs | None]:
    examples = [e.headers for e in message.examples if e.has_headers]
    pairs = [
        tuple(
            (str(k), (v if isinstance(v, str) else orjson.dumps(v).decode()).encode())
            for k, v in h.items()
        )
        for h in examples
        if isinstance(h, dict)
    ]
    repeated = [p + p[:1] for p in pairs if p]
    return [None, (), *pairs, *repeated, (("x-other", b"1"),), (("x-bin", b"\xff"),)]


def key_variants(message: Message) -> list[bytes | None]:
    texts = [
        v.encode()
        for e in message.examples
        if isinstance(e.payload, dict)
        for v in e.payload.values()
        if isinstance(v, str)
    ]
    return [None, b"\xff", *texts[:2]]


def destinations(spec: Spec, protocol: str) -> list[str]:
    routes, _ = build_routes([spec], protocol)
    out = ["undeclared.destination"]
    for route in routes:
        names = [p.name for p in route.channel.parameters]
        for value in ("abc", "123", "lamp-7", "0"):
            try:
                out.append(route.concrete(dict.fromkeys(names, value)))
            except KeyError:
                break
    return list(dict.fromkeys(out))


def protocols(spec: Spec) -> list[str]:
    declared = declared_protocol([spec])
    return [declared] if declared else ["nats", "kafka"]


def sample_cases() -> list[tuple[Path, str]]:
    return [(path, p) for path in SAMPLES for p in protocols(load_spec(path))]


@pytest.mark.parametrize(("path", "protocol"), sample_cases(), ids=lambda c: str(c))
def test_fast_path_matches_full_judge_on_sample_specs(path: Path, protocol: str) -> None:
    spec = load_spec(path)
    routes, _ = build_routes([spec], protocol)
    router = Router(routes)
    consumers = [("self", Router(consumer_routes(spec, protocol, False)))]
    check_key = protocol == "kafka"
    recorder = Recorder([spec], adapter=None, router=router, check_key=check_key)  # type: ignore[arg-type]
    with_consumers = Planner(router, check_key=check_key, consumers=consumers)
    messages = [m for c in spec.channels for m in c.messages]
    records = []
    for destination, message in itertools.product(destinations(spec, protocol), messages):
        headers, keys = header_variants(message), key_variants(message)
        examples = [orjson.dumps(e.payload) for e in message.examples if e.has_payload]
        # every payload with the example's headers and key; the examples with all of them
        records += [
            captured(destination, p, headers[2:3] and headers[2], keys[-1])
            for p in payload_bytes(message)
        ]
        records += [
            captured(destination, p, h, k) for p, h, k in itertools.product(examples, headers, keys)
        ]
    records += [captured(records[0].destination, b"{}", reply="_INBOX.x", defect="bad frame")]
    counted = 0
    for record in records:
        assert record_difference(recorder.planner, router, record, check_key=check_key) is None
        problem = record_difference(
            with_consumers, router, record, check_key=check_key, consumers=consumers
        )
        assert problem is None
        counted += recorder.planner.tally(record) is not None
    outcome = recorder.judge_window("window", records)
    assert window_difference(recorder, outcome, records) is None
    if any(e.has_payload for m in messages for e in m.examples):
        assert counted, "no valid example took the fast path"


# --- a fuzzed mix of valid and invalid records on one document --------------------------------

FUZZ_SPEC = """\
asyncapi: 3.0.0
info: {title: Fuzz, version: '1'}
servers: {local: {host: localhost, protocol: nats}}
channels:
  orders:
    address: orders.{region}
    parameters: {region: {enum: [eu, us]}}
    messages:
      Created: {$ref: '#/components/messages/Created'}
      Cancelled: {$ref: '#/components/messages/Cancelled'}
  notes:
    address: notes
    messages:
      Note: {contentType: text/plain, payload: {type: string, maxLength: 5}}
  blobs:
    address: blobs
    messages:
      Blob: {contentType: application/octet-stream, payload: {type: object}}
  loose:
    address: loose
    messages:
      Anything: {}
  empty:
    address: empty
  single:
    address: single
    messages:
      Cancelled: {$ref: '#/components/messages/Cancelled'}
operations:
  sendOrders: {action: send, channel: {$ref: '#/channels/orders'}}
  sendNotes: {action: send, channel: {$ref: '#/channels/notes'}}
components:
  messages:
    Created:
      headers:
        type: object
        required: [x-version]
        properties: {x-version: {type: integer, minimum: 1}}
      payload:
        type: object
        required: [id, total]
        properties:
          id: {type: string, format: uuid}
          total: {type: number, minimum: 0}
    Cancelled:
      payload:
        type: object
        required: [id, reason]
        additionalProperties: false
        properties:
          id: {type: string}
          reason: {type: string, enum: [customer, fraud]}
"""


@pytest.fixture(scope="module")
def fuzz_recorder(tmp_path_factory: pytest.TempPathFactory) -> Recorder:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_text(textwrap.dedent(FUZZ_SPEC))
    spec = load_spec(path)
    routes, _ = build_routes([spec], "nats")
    consumers = [("reader", Router(consumer_routes(spec, "nats", False)))]
    return Recorder([spec], adapter=None, router=Router(routes), consumers=consumers)  # type: ignore[arg-type]


@functools.cache
def valid_payloads(recorder: Recorder) -> st.SearchStrategy[bytes]:
    spec = recorder.specs[0]
    schemas = [m.payload for c in spec.channels for m in c.messages if m.payload is not None]
    json_schemas = [s for s in schemas if s.schema.get("type") == "object"]
    return st.one_of(*(value_strategy(s) for s in json_schemas)).map(orjson.dumps)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
HEADERS = st.none() | st.lists(
    st.tuples(
        st.sampled_from(["x-version", "x-other"]),
        st.sampled_from([b"1", b"0", b"2", b"x", b"1.5", b"\xff", b"3"]),
    ),
    max_size=3,
).map(tuple)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_matches_full_judge_on_fuzzed_records(
    fuzz_recorder: Recorder, data: st.DataObject
) -> None:
    payload = data.draw(
        st.one_of(
            valid_payloads(fuzz_recorder),
            JSON.map(orjson.dumps),
            st.binary(max_size=12),
            st.text(max_size=8).map(str.encode),
            st.just(b'{"id": "a", "id": "b", "reason": "fraud"}'),
        )
    )
    destination = data.draw(
        st.sampled_from(
            [
                "orders.eu",
                "orders.us",
                "orders.asia",
                "notes",
                "blobs",
                "loose",
                "empty",
                "single",
                "x",
            ]
        )
    )
    records = [
        captured(
            destination,
            payload,
            data.draw(HEADERS),
            reply=data.draw(st.none() | st.just("_INBOX.1")),
            defect=data.draw(st.none() | st.just("malformed header block")),
            tombstone=data.draw(st.booleans()),
        )
        for _ in range(data.draw(st.integers(1, 3)))
    ]
    recorder = fuzz_recorder
    for record in records:
        problem = record_difference(
            recorder.planner, recorder.router, record, consumers=recorder.consumers
        )
        assert problem is None
    outcome = recorder.judge_window("fuzz", records)
    assert window_difference(recorder, outcome, records) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_plain_count_counts_exactly_what_the_fast_path_counts(
    fuzz_recorder: Recorder, data: st.DataObject
) -> None:
    """``PlainCount`` (a NATS drain counts plain frames with it, before building records)
    counts a payload only where the planner's ``tally`` (the full judge's verdict, above)
    counts it, under the same key, and returns the others' indices in order."""
    planner = Planner(fuzz_recorder.router)
    plain = PlainCount(planner)
    payloads = data.draw(
        st.lists(
            st.one_of(
                valid_payloads(fuzz_recorder),
                JSON.map(orjson.dumps),
                st.binary(max_size=12),
                st.just(b'{"id": "a", "id": "b", "reason": "fraud"}'),
                st.just(b'{"id": "a", "reason": "fraud", "reason": "customer"}'),
            ),
            min_size=1,
            max_size=6,
        )
    )
    destination = data.draw(st.sampled_from(["single", "loose", "orders.eu", "notes", "x"]))
    left = plain(destination, payloads)  # planned on first sight
    keys = [planner.tally(captured(destination, payload)) for payload in payloads]
    for payload in payloads:
        record = captured(destination, payload)
        assert record_difference(planner, fuzz_recorder.router, record) is None
    if destination not in planner.simple:
        assert left is None
        assert plain.take() == {}
        return
    assert left == [i for i, found in enumerate(keys) if found is None]
    counted = [found[0] for found in keys if found is not None]
    assert plain.take() == ({counted[0]: len(counted)} if counted else {})
    assert plain.take() == {}


def test_valid_records_are_counted_not_judged(fuzz_recorder: Recorder) -> None:
    good = orjson.dumps({"id": "123e4567-e89b-12d3-a456-426614174000", "reason": "fraud"})
    records = [captured("orders.eu", good) for _ in range(5)] + [
        captured("orders.eu", b"not json"),
        captured("orders.asia", good),
        captured("x", good),
    ]
    outcome = fuzz_recorder.judge_window("test", records)
    spec = str(fuzz_recorder.specs[0].source)
    assert outcome.valid == {(spec, "orders", "Cancelled", "orders.eu"): 5}
    # the document receives nothing, so its consumer view adds no route
    assert [v.outcome.value for v in outcome.verdicts] == ["invalid", "invalid", "undeclared"]


def test_one_message_json_channels_take_the_inlined_check(fuzz_recorder: Recorder) -> None:
    """The common case (one route, one JSON message, no header rules) has its own loop in
    ``Planner.count``; the fuzzed equivalence above covers it through these destinations."""
    planner = Planner(fuzz_recorder.router)
    good = orjson.dumps({"id": "a", "reason": "customer"})
    names = ["single", "loose", "orders.eu", "notes", "blobs", "empty"]
    valid, rest = planner.count([captured(name, good) for name in names * 2])
    assert sorted(planner.simple) == ["loose", "single"]
    spec = str(fuzz_recorder.specs[0].source)
    assert valid == {
        (spec, "single", "Cancelled", "single"): 2,
        (spec, "loose", "Anything", "loose"): 2,
        (spec, "orders", "Cancelled", "orders.eu"): 2,
    }
    assert [r.destination for r in rest] == ["notes", "blobs", "empty"] * 2


def test_a_destination_is_planned_once(fuzz_recorder: Recorder) -> None:
    planner = Planner(fuzz_recorder.router)
    good = orjson.dumps({"id": "a", "reason": "customer"})
    first = planner.tally(captured("orders.us", good))
    plan = planner.plan
    planned: list[str] = []
    planner.plan = lambda destination: planned.append(destination) or plan(destination)  # type: ignore[method-assign]
    assert [planner.tally(captured("orders.us", good)) for _ in range(3)] == [first] * 3
    assert planned == []
    assert first == [(str(fuzz_recorder.specs[0].source), "orders", "Cancelled", "orders.us")]
