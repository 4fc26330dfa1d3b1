"""Recorded traffic: JSON Lines records <-> :class:`Captured`, and the gate's verdict on them.

The record format (one JSON object per line; blank lines are skipped)::

    {"destination": "user.signedup",            required: NATS subject or Kafka topic
     "payload": {"userId": "..."},              the payload, one of: a JSON value (its
     "payload_text": "plain text",                compact JSON is the payload), UTF-8 text,
     "payload_base64": "AAEC",                    or base64 bytes -- exactly one of the three
     "headers": {"x-schema-version": "1"},      optional: string values, as a broker gives them
     "headers_base64": {"bin": "AAE="},         optional: header values that are not UTF-8
     "headers": [["via", "a"], ["via", "b"],    or: [name, value] pairs in wire order, for
                 ["bin", {"base64": "AAE="}]],    repeated names (not with headers_base64)
     "key": "ord-000001",                       optional Kafka key: UTF-8 text, or
     "key_base64": "AAE=",                        base64 bytes (at most one of the two)
     "time": "2026-05-01T10:00:00.5Z",          optional: RFC 3339 with an offset, or epoch
                                                  seconds (absent: the time of reading)
     "partition": 0, "offset": 41,              optional Kafka position (informational)
     "retained": true}                          optional: an MQTT message published retained

The writer uses the object form when every name occurs once (what readers of earlier versions
read), the pair list otherwise. Header values are strings, as on the wire: a header schema
of ``type: integer`` meets ``"1"`` converted (see :mod:`pytest_asyncapi.check.message_check`).
:func:`record_line` writes what a capture saw in this format, byte for byte: ``payload`` only
when the compact JSON of the value is exactly the payload, else ``payload_text`` when it is
UTF-8, else ``payload_base64``.

No broker and no I/O of its own. A bad line raises :class:`RecordError` naming its number.
"""

from __future__ import annotations

import base64
import binascii
import enum
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.check.contract import judge
from pytest_asyncapi.check.results import RunResults, TestOutcome, window_record

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from pytest_asyncapi.check.coverage import Coverage
    from pytest_asyncapi.routing import Router

PAYLOAD_FIELDS = ("payload", "payload_text", "payload_base64")
KNOWN_FIELDS = frozenset(
    {
        "destination",
        *PAYLOAD_FIELDS,
        "headers",
        "headers_base64",
        "key",
        "key_base64",
        "time",
        "partition",
        "offset",
        "retained",
    }
)
CHUNK = 10_000
"""Records judged per window record: memory stays bounded on long recordings."""


class RecordError(ValueError):
    """A line of the input is not a valid record."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        self.problem = problem
        super().__init__(f"line {line}: {problem}")


def read_records(lines: Iterable[bytes], *, now: float | None = None) -> Iterator[Captured]:
    """The records of a JSON Lines input, in order (``time`` defaults to ``now``)."""
    default_time = time.time() if now is None else now
    seq = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        yield parse_record(line, number, seq=seq, default_time=default_time)
        seq += 1


def parse_record(line: bytes, number: int, *, seq: int = 0, default_time: float = 0.0) -> Captured:
    """One record from one line; :class:`RecordError` says what is wrong."""
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise RecordError(number, f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise RecordError(number, f"expected a JSON object, got {_kind(data)}")
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise RecordError(
            number,
            f"unknown field(s) {', '.join(map(repr, unknown))}; "
            f"known fields: {', '.join(sorted(KNOWN_FIELDS))}",
        )
    destination = data.get("destination")
    if not isinstance(destination, str) or not destination:
        raise RecordError(number, "'destination' is required: a non-empty string")
    headers = _headers(data, number)
    return Captured(
        destination=destination,
        payload=_payload(data, number),
        headers=headers,
        time=_time(data.get("time"), number, default_time),
        seq=seq,
        key=_bytes_field(data, "key", number),
        partition=_position(data, "partition", number),
        offset=_position(data, "offset", number),
        retained=_flag(data, "retained", number),
    )


def _flag(data: dict[str, Any], name: str, number: int) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise RecordError(number, f"{name!r} must be true or false, got {_kind(value)}")
    return value


def _payload(data: dict[str, Any], number: int) -> bytes:
    given = [name for name in PAYLOAD_FIELDS if name in data]
    if len(given) != 1:
        problem = "none" if not given else ", ".join(given)
        raise RecordError(
            number, f"give exactly one of {', '.join(PAYLOAD_FIELDS)} (found {problem})"
        )
    name = given[0]
    if name == "payload":
        return orjson.dumps(data[name])
    value = data[name]
    if not isinstance(value, str):
        raise RecordError(number, f"{name!r} must be a string, got {_kind(value)}")
    if name == "payload_text":
        return value.encode()
    return _base64(value, name, number)


def _headers(data: dict[str, Any], number: int) -> tuple[tuple[str, bytes], ...] | None:
    if "headers" not in data and "headers_base64" not in data:
        return None
    if isinstance(data.get("headers"), list):
        if "headers_base64" in data:
            raise RecordError(
                number,
                "a 'headers' list takes binary values as {\"base64\": ...}, not 'headers_base64'",
            )
        return tuple(_header_pair(entry, number) for entry in data["headers"])
    headers: dict[str, bytes] = {}
    for field in ("headers", "headers_base64"):
        given = data.get(field, {})
        if not isinstance(given, dict):
            raise RecordError(
                number,
                f"{field!r} must be an object of strings (or, for 'headers', a list of "
                f"[name, value] pairs), got {_kind(given)}",
            )
        for name, value in given.items():
            if not isinstance(value, str):
                raise RecordError(
                    number,
                    f"{field!r}: header {name!r} must be a string (values are text on the "
                    f"wire: write {orjson.dumps(orjson.dumps(value).decode()).decode()}), got "
                    f"{_kind(value)}",
                )
            if name in headers:
                raise RecordError(number, f"header {name!r} is in both headers and headers_base64")
            headers[name] = value.encode() if field == "headers" else _base64(value, field, number)
    return tuple(headers.items())


def _header_pair(entry: Any, number: int) -> tuple[str, bytes]:
    shape = 'each entry of a \'headers\' list is [name, "text"] or [name, {"base64": "..."}]'
    if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
        raise RecordError(number, f"{shape}, got {orjson.dumps(entry).decode()}")
    name, value = entry
    if isinstance(value, str):
        return name, value.encode()
    if isinstance(value, dict) and set(value) == {"base64"} and isinstance(value["base64"], str):
        return name, _base64(value["base64"], "headers", number)
    raise RecordError(number, f"{shape}, got {orjson.dumps(entry).decode()}")


def _bytes_field(data: dict[str, Any], name: str, number: int) -> bytes | None:
    encoded = f"{name}_base64"
    if name in data and encoded in data:
        raise RecordError(number, f"give {name!r} or {encoded!r}, not both")
    for field in (name, encoded):
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise RecordError(number, f"{field!r} must be a string, got {_kind(value)}")
        return value.encode() if field == name else _base64(value, field, number)
    return None


def _position(data: dict[str, Any], name: str, number: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RecordError(number, f"{name!r} must be a non-negative integer, got {value!r}")
    return value


def _base64(value: str, field: str, number: int) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise RecordError(number, f"{field!r} is not valid base64 ({error})") from None


def _time(value: Any, number: int, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.upper())
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.timestamp()
    raise RecordError(
        number,
        f"'time' must be RFC 3339 with an offset (2026-05-01T10:00:00Z) or epoch seconds, "
        f"got {value!r}",
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def record_line(captured: Captured) -> bytes:
    """``captured`` as one line of the record format (newline included), byte-exact."""
    data: dict[str, Any] = {"destination": captured.destination}
    data.update(_encode_payload(captured.payload))
    if captured.headers is not None:
        data.update(_encode_headers(captured.headers))
    if captured.key is not None:
        key = _utf8(captured.key)
        if key is None:
            data["key_base64"] = base64.b64encode(captured.key).decode()
        else:
            data["key"] = key
    data["time"] = rfc3339(captured.time)
    if captured.partition is not None:
        data["partition"] = captured.partition
    if captured.offset is not None:
        data["offset"] = captured.offset
    if captured.retained:
        data["retained"] = True
    return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE)


def _encode_payload(payload: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        pass
    else:
        if orjson.dumps(value) == payload:
            return {"payload": value}
    text = _utf8(payload)
    if text is not None:
        return {"payload_text": text}
    return {"payload_base64": base64.b64encode(payload).decode()}


def _encode_headers(headers: tuple[tuple[str, bytes], ...]) -> dict[str, Any]:
    """The object form when it reads back to the same pairs (unique names, text before
    binary), else the pair list."""
    pairs = [(name, _utf8(value), value) for name, value in headers]
    text = {name: decoded for name, decoded, _ in pairs if decoded is not None}
    binary = {
        name: base64.b64encode(raw).decode() for name, decoded, raw in pairs if decoded is None
    }
    names = [name for name, *_ in pairs]
    if len(set(names)) == len(names) and [*text, *binary] == names:
        return {"headers": text, "headers_base64": binary} if binary else {"headers": text}
    return {
        "headers": [
            [name, decoded if decoded is not None else {"base64": base64.b64encode(raw).decode()}]
            for name, decoded, raw in pairs
        ]
    }


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def rfc3339(moment: float) -> str:
    """Epoch seconds as RFC 3339 in UTC, to the microsecond."""
    stamp = datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="microseconds")
    return stamp.replace("+00:00", "Z")


def check_records(
    records: Iterable[Captured], router: Router, *, label: str, check_key: bool
) -> tuple[RunResults, int]:
    """Judge every record as one window named ``label``; the results and the record count.

    Records are judged in chunks of :data:`CHUNK`, each merged into the results as part of the
    same window, so a long recording never sits in memory whole.
    """
    results = RunResults()
    total = 0
    chunk: list[Captured] = []
    for captured in records:
        chunk.append(captured)
        if len(chunk) == CHUNK:
            total += _add_chunk(results, chunk, router, label, check_key)
            chunk = []
    if chunk or not total:
        total += _add_chunk(results, chunk, router, label, check_key)
    return results, total


def _add_chunk(
    results: RunResults, chunk: list[Captured], router: Router, label: str, check_key: bool
) -> int:
    verdicts = [v for captured in chunk for v in judge(captured, router, check_key=check_key)]
    results.add(window_record(TestOutcome(label, verdicts), between=False))
    results.tests = 1  # one window, however many chunks it was judged in
    return len(chunk)


class Gate(enum.Enum):
    """The gate's verdict: everything checked and valid, a finding, or something unchecked."""

    PASSED = "passed"
    FAILED = "failed"
    UNCHECKED = "unchecked"


def gate(
    results: RunResults, coverage: Coverage, *, strict: bool, coverage_min: float | None
) -> tuple[Gate, list[str]]:
    """The gate's verdict on the results and the reasons for it."""
    unchecked = sum(c.unchecked for c in results.channels.values())
    undeclared = sum(results.undeclared.values())
    failures: list[str] = []
    if results.violation_count:
        invalid = sum(c.invalid for c in results.channels.values())
        failures.append(f"{results.violation_count} violation(s) in {invalid} message(s)")
    if strict and unchecked:
        failures.append(f"--strict: {unchecked} message(s) could not be checked")
    if strict and undeclared:
        failures.append(f"--strict: {undeclared} message(s) on destinations no channel declares")
    if coverage_min is not None and (coverage.percent or 0.0) < coverage_min:
        failures.append(
            f"coverage {coverage.percent or 0:.0f}% is below --coverage-min {coverage_min:g}%"
        )
    if failures:
        return Gate.FAILED, failures
    notes = []
    if unchecked:
        notes.append(f"{unchecked} message(s) could not be checked")
    if undeclared:
        notes.append(f"{undeclared} message(s) on destinations no channel declares")
    return (Gate.UNCHECKED, notes) if notes else (Gate.PASSED, [])
