"""Replies in the 3.x model, runtime expressions and their document errors; the official
request/reply examples of the corpus load, model their replies and their messages' examples
are checked."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pytest_asyncapi.check.message_check import check_message
from pytest_asyncapi.schemas.compile import Verdict
from pytest_asyncapi.spec.loader import load_spec
from pytest_asyncapi.spec.options import LoadOptions
from pytest_asyncapi.spec.runtime_expressions import MISSING, ExpressionError, parse_expression
from tests.support.corpus import CORPUS

HERE = Path(__file__).parent
REQUESTS = "/channels/lookupRequests/messages"
EXAMPLES = CORPUS / "asyncapi-spec-v3.0.0" / "examples"


@pytest.mark.parametrize(
    ("text", "payload", "headers", "expected"),
    [
        ("$message.header#/replyTo", b"{}", (("replyTo", b"_INBOX.1"),), "_INBOX.1"),
        ("$message.header#/replyTo", b"{}", {"replyTo": "t"}, "t"),
        ("$message.header#/replyTo", b"{}", None, MISSING),
        ("$message.header#/meta/id", b"{}", (("meta", b'{"id": 7}'),), 7),
        ("$message.payload#/reqid", b'{"reqid": 42}', None, 42),
        ("$message.payload#/a~1b/0", b'{"a/b": ["x"]}', None, "x"),
        ("$message.payload#/reqid", b'{"other": 1}', None, MISSING),
        ("$message.payload#/reqid", b"not json", None, MISSING),
        ("$message.payload", b'{"k": 1}', None, {"k": 1}),
        ("$message.payload#/k", None, None, MISSING),
    ],
)
def test_runtime_expressions_evaluate(
    text: str, payload: bytes | None, headers: object, expected: object
) -> None:
    assert parse_expression(text).evaluate(payload, headers) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("message.header#/x", "does not start with '$message.'"),
        ("$message.body#/x", "unknown source 'body'"),
        ("$message.header#x", "is not a JSON pointer"),
        ("$message.header", "names no header"),
    ],
)
def test_malformed_runtime_expressions_say_why(text: str, problem: str) -> None:
    with pytest.raises(ExpressionError, match=r"expected \$message\.header") as info:
        parse_expression(text)
    assert problem in str(info.value)


def test_malformed_expressions_are_document_errors(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    text = (HERE / "lookup-kafka.yaml").read_text()
    text = text.replace("location: $message.header#/replyTo", "location: $message.headers#/replyTo")
    text = text.replace(
        "location: $message.header#/x-correlation-id", "location: header#/x-correlation-id"
    )
    spec.write_text(text)
    loaded = load_spec(spec)
    found = [(f.rule, f.pointer, f.line) for f in loaded.findings if f.rule == "runtime-expression"]
    assert found == [
        ("runtime-expression", f"{REQUESTS}/LookupRequest/correlationId/location", 33),
        ("runtime-expression", "/operations/answerLookup/reply/address/location", 29),
    ]
    messages = [f.message for f in loaded.findings if f.rule == "runtime-expression"]
    assert "unknown source 'headers'" in messages[-1]
    assert "reply address of 'answerLookup'" in messages[-1]


def test_reply_in_the_model() -> None:
    spec = load_spec(HERE / "lookup-kafka.yaml")
    assert spec.findings == ()
    (operation,) = spec.operations
    reply = operation.reply
    assert reply is not None
    assert (reply.channel_id, reply.address) == ("lookupReplies", "$message.header#/replyTo")
    assert [m.display_name for m in reply.messages] == ["UserFound"]
    assert reply.messages[0] is spec.channel("lookupReplies").messages[0]


def _corpus_options() -> LoadOptions:
    url_map = json.loads((CORPUS / "URL_MAP.json").read_text())
    return LoadOptions(
        url_map={
            u.rsplit("/", 1)[0] + "/": (CORPUS / t).parent for u, t in url_map.items() if "://" in u
        },
        root=CORPUS,
    )


needs_corpus = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"corpus not found at {CORPUS}")


@needs_corpus
def test_kraken_request_reply_example_models_its_replies() -> None:
    spec = load_spec(
        EXAMPLES / "kraken-websocket-request-reply-message-filter-in-reply-asyncapi.yml",
        _corpus_options(),
    )
    replies = {
        op.id: (op.reply.channel_id, [m.display_name for m in op.reply.messages])
        for op in spec.operations
        if op.reply
    }
    assert replies == {
        "receivePing": ("currencyExchange", ["pong"]),
        "receiveSubscribeRequest": (
            "currencyExchange",
            ["subscriptionStatus", "dummyCurrencyInfo"],
        ),
        "receiveUnsubscribeRequest": ("currencyExchange", ["subscriptionStatus"]),
    }
    ping = next(op for op in spec.operations if op.id == "receivePing")
    assert ping.reply is not None
    assert ping.reply.messages[0].correlation_id == {"location": "$message.payload#/reqid"}
    assert not [f for f in spec.findings if f.rule == "runtime-expression"]
    # Its only examples (subscriptionStatus) are checked: both really break the schema
    # (`pair` is a string where the schema says array), so the check says so.
    status = spec.channel("currencyExchange").message("subscriptionStatus")
    results = [check_message(status, json.dumps(e.payload).encode()) for e in status.examples]
    assert [r.verdict for r in results] == [Verdict.INVALID, Verdict.INVALID]
    assert [[(v.pointer, v.keyword) for _, v in r.violations()] for r in results] == [
        [("", "oneOf")],
        [("", "oneOf")],
    ]
    fixed = [{**copy.deepcopy(e.payload), "pair": [e.payload["pair"]]} for e in status.examples]
    for payload in fixed:  # nor are `unsubscribed` and `error` in the `status` enum
        payload["status"] = "online"
    fixed[1]["subscription"]["depth"] = 10  # and `depth: 42` is not in the `depth` enum
    assert [check_message(status, json.dumps(p).encode()).verdict for p in fixed] == [
        Verdict.VALID,
        Verdict.VALID,
    ]


@needs_corpus
def test_adeo_kafka_request_reply_example_models_its_reply() -> None:
    spec = load_spec(EXAMPLES / "adeo-kafka-request-reply-asyncapi.yml", _corpus_options())
    (operation,) = [op for op in spec.operations if op.reply]
    assert operation.id == "requestCosting"
    assert operation.reply is not None
    assert operation.reply.channel_id == "costingResponse"
    assert operation.reply.address == "$message.header#/REPLY_TOPIC"
    assert [m.display_name for m in operation.reply.messages] == ["CostingResponse"]
    assert not [f for f in spec.findings if f.rule == "runtime-expression"]
    assert (
        parse_expression(operation.reply.address).evaluate(
            b"", (("REPLY_TOPIC", b"costing.replies"),)
        )
        == "costing.replies"
    )
