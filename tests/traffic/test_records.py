"""The record format of :mod:`pytest_asyncapi.check.traffic`: parsing, and byte-exact writing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.check.traffic import (
    RecordError,
    parse_record,
    read_records,
    record_line,
    rfc3339,
)


def test_parse_every_field() -> None:
    line = json.dumps(
        {
            "destination": "orders.events",
            "payload": {"n": 1, "s": "é"},
            "headers": {"event-type": "OrderCreated"},
            "headers_base64": {"bin": "/wA="},
            "key_base64": "/w==",
            "time": "2026-05-01T10:00:00.25+02:00",
            "partition": 2,
            "offset": 41,
        }
    ).encode()
    captured = parse_record(line, 1, seq=7)
    assert captured.destination == "orders.events"
    assert captured.payload == '{"n":1,"s":"é"}'.encode()
    assert captured.headers == (("event-type", b"OrderCreated"), ("bin", b"\xff\x00"))
    assert captured.key == b"\xff"
    assert captured.time == 1777622400.25
    assert (captured.seq, captured.partition, captured.offset) == (7, 2, 41)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(1777629600, 1777629600.0), (1.5, 1.5), ("2026-05-01t10:00:00z", 1777629600.0)],
)
def test_time_forms(value: object, seconds: float) -> None:
    line = json.dumps({"destination": "a", "payload": 1, "time": value}).encode()
    assert parse_record(line, 1).time == seconds


def test_absent_headers_and_key_stay_absent() -> None:
    captured = parse_record(b'{"destination": "a", "payload_text": "hi", "key": null}', 1)
    assert (captured.payload, captured.headers, captured.key) == (b"hi", None, None)


def test_read_records_skips_blank_lines_and_counts_lines() -> None:
    lines = [b'{"destination": "a", "payload": 1}\n', b"   \n", b'{"destination": "b"}\n']
    records = read_records(lines, now=5.0)
    first = next(records)
    assert (first.destination, first.time, first.seq) == ("a", 5.0, 0)
    with pytest.raises(RecordError) as raised:
        next(records)
    assert raised.value.line == 3
    assert str(raised.value).startswith("line 3: give exactly one of")


def test_writing_prefers_json_then_text_then_base64() -> None:
    def written(payload: bytes) -> dict[str, object]:
        data: dict[str, object] = json.loads(record_line(Captured("a", payload, None, 0.0, 0)))
        return data

    assert written(b'{"a":[1,2.5,null]}')["payload"] == {"a": [1, 2.5, None]}
    # valid JSON, but not its compact form: kept byte for byte as text
    assert written(b'{"a": 1}')["payload_text"] == '{"a": 1}'
    assert written(b"plain")["payload_text"] == "plain"
    assert written(b"\xff\xfe")["payload_base64"] == "//4="
    assert written(b"1e5")["payload_text"] == "1e5"


headers = st.lists(  # wire order, names may repeat (written as a pair list then)
    st.tuples(
        st.sampled_from(["a", "b"]) | st.text(min_size=1, max_size=8),
        st.one_of(st.text(max_size=8).map(str.encode), st.binary(max_size=8)),
    ),
    max_size=5,
).map(tuple)


@given(
    destination=st.text(min_size=1, max_size=12),
    payload=st.one_of(
        st.binary(max_size=40),
        st.text(max_size=20).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=4), inner, max_size=3)
            ),
            max_leaves=6,
        ).map(lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()),
    ),
    header_map=st.none() | headers,
    key=st.none() | st.binary(max_size=8) | st.text(max_size=8).map(str.encode),
    moment=st.floats(0, 4e9),
    position=st.none() | st.integers(0, 2**40),
)
def test_a_written_record_reads_back_byte_for_byte(
    destination: str,
    payload: bytes,
    header_map: tuple[tuple[str, bytes], ...] | None,
    key: bytes | None,
    moment: float,
    position: int | None,
) -> None:
    captured = Captured(destination, payload, header_map, moment, 3, key, position, position)
    line = record_line(captured)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    back = parse_record(line, 1, seq=3)
    expected_headers = header_map  # the same pairs in the same order, whichever form is written
    assert (back.destination, back.payload, back.key) == (destination, payload, key)
    assert back.headers == expected_headers
    assert (back.partition, back.offset) == (position, position)
    assert abs(back.time - moment) < 1e-5


def test_rfc3339_is_utc_with_microseconds() -> None:
    assert rfc3339(1777629600.25) == "2026-05-01T10:00:00.250000Z"


def test_a_retained_message_is_written_and_read_as_retained() -> None:
    retained = Captured("lights/dim", b"{}", None, 1.0, 0, retained=True)
    line = record_line(retained)
    assert json.loads(line)["retained"] is True
    assert parse_record(line, 1).retained is True
    plain = record_line(Captured("lights/dim", b"{}", None, 1.0, 0))
    assert "retained" not in json.loads(plain)
    assert parse_record(plain, 1).retained is False
    with pytest.raises(RecordError, match="'retained' must be true or false, got a string"):
        parse_record(b'{"destination": "a", "payload": 1, "retained": "yes"}', 7)
