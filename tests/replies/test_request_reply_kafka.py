"""Request/reply end to end on a real Kafka-protocol broker (local Tansu): ``asyncapi.request``
and replies observed between two other services, judged against the reply's messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent

TESTS = """
import json
import pytest
from kafka_service import LookupService, ask


@pytest.fixture(scope="module")
def service(asyncapi_broker):
    running = LookupService(asyncapi_broker.servers)
    yield running
    running.close()


def test_valid_reply(asyncapi, service):
    reply = asyncapi.request("answerLookup", {"userId": "ada"}, timeout=10)
    assert json.loads(reply.payload) == {"userId": "ada", "email": "ada@example.com"}
    assert reply.destination == "users.lookup.replies"


def test_invalid_reply(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "bad"}, timeout=10)


def test_missing_reply(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "silent"}, timeout=1)


def test_mismatched_correlation_id(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "other-id"}, timeout=10)


def test_missing_correlation_id(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "no-id"}, timeout=10)


def test_between_two_services_valid(asyncapi, service):
    ask("grace", correlation="c-7")
    asyncapi.expect("lookupReplies", timeout=10)


def test_between_two_services_invalid(asyncapi, service):
    ask("bad", correlation="c-8")
    asyncapi.expect("lookupReplies", timeout=10)


def test_refused_request(asyncapi, service):
    with pytest.raises(AssertionError, match="refused to send an invalid request"):
        asyncapi.request("answerLookup", {"user": "ada"})
"""


def test_request_reply_on_kafka(pytester: pytest.Pytester) -> None:
    shutil.copy(HERE / "lookup-kafka.yaml", pytester.path / "lookup-kafka.yaml")
    shutil.copy(HERE / "kafka_service.py", pytester.path / "kafka_service.py")
    pytester.makepyfile(test_lookup=TESTS)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess(
        "--asyncapi", "lookup-kafka.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=3, failed=5)
    for name in ("invalid_reply", "missing_reply", "mismatched_correlation_id"):
        result.stdout.fnmatch_lines([f"*FAILED test_lookup.py::test_{name}*"])
    result.stdout.fnmatch_lines(["*FAILED test_lookup.py::test_between_two_services_invalid*"])
    result.stdout.fnmatch_lines(
        [
            "*_ test_invalid_reply _*",
            "*asyncapi.request('answerLookup'): the reply breaks the contract*",
            "*lookup-kafka.yaml · channel lookupReplies · operation answerLookup reply"
            " · message UserFound*",
            "*reply payload /email [[]format[]]*",
            "*seen on 'users.lookup.replies'*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*_ test_missing_reply _*", "*no reply on 'users.lookup.replies' within 1 s*"]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_mismatched_correlation_id _*",
            "*reply correlationId / [[]correlationId[]]: the reply's correlation ID"
            " 'someone-else'*is not the request's*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_between_two_services_invalid _*",
            "*AsyncAPI contract broken*",
            "*operation answerLookup reply · message UserFound*",
            "*reply payload /email [[]format[]]*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_missing_correlation_id _*",
            "*reply correlationId / [[]correlationId[]]: no correlation ID at"
            " $message.header#/x-correlation-id*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*request/reply (request -> reply):*",
            "*answerLookup: LookupRequest -> UserFound  4 invalid, 2 valid",
            "*answerLookup: LookupRequest -> (no reply)  1 missing",
            "warning: 1 request(s) got no reply:",
            "*test_missing_reply: lookup-kafka.yaml · answerLookup: request 'LookupRequest'",
        ]
    )
    result.stdout.fnmatch_lines(["*lookupReplies      6      2        4          0*"])
