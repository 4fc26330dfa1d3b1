"""With request/reply operations in the document, records no request waits for still take the
fast path (counted, not judged); requests and their replies are judged in full and paired."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson

from pytest_asyncapi.captured import Captured
from pytest_asyncapi.check.recorder import Recorder
from pytest_asyncapi.routing import Router, build_routes
from pytest_asyncapi.spec.loader import load_spec

SPEC = Path(__file__).resolve().parents[2] / "sample_specs" / "user-signup-3.0.yaml"
_seq = itertools.count()


def _record(destination: str, message: str, *, reply: str | None = None) -> Captured:
    spec = load_spec(SPEC)
    found = next(m for c in spec.channels for m in c.messages if m.display_name == message)
    example = found.examples[0]
    headers = tuple((k, str(v).encode()) for k, v in (example.headers or {}).items())
    return Captured(
        destination, orjson.dumps(example.payload), headers or None, 0.0, next(_seq), reply=reply
    )


class _Drained:
    """The adapter's part the recorder uses at the end of a test: nothing more arrives."""

    def drain(self, settle: bool = True) -> list[Captured]:
        return []


def test_valid_events_are_counted_while_a_request_and_its_reply_are_paired() -> None:
    spec = load_spec(SPEC)
    recorder = Recorder([spec], adapter=_Drained(), router=Router(build_routes([spec], "nats")[0]))  # type: ignore[arg-type]
    assert recorder.replies.active
    request = _record("user/lookup", "LookupUser", reply="_INBOX.abc")
    answer = _record("_INBOX.abc", "UserFound")
    events = [_record("user/signedup", "UserSignedUp") for _ in range(3)]
    recorder.current = "test_lookup"
    recorder.window = [events[0], request, events[1], answer, events[2]]
    outcome = recorder.end_test()
    assert outcome.valid == {(str(spec.source), "userSignedUp", "UserSignedUp", "user/signedup"): 3}
    assert [(v.message, v.outcome.value) for v in outcome.verdicts] == [
        ("LookupUser", "valid"),
        ("UserFound", "valid"),
    ]
    assert [(p.operation, p.request, p.reply, p.outcome) for p in outcome.replies] == [
        ("answerUserLookup", "LookupUser", "UserFound", "valid")
    ]
