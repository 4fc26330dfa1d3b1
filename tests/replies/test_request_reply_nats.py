"""Request/reply end to end on a real nats-server: ``asyncapi.request`` (and its async twin)
and replies to ``_INBOX.`` subjects observed between two other services, judged against the
reply's messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent

TESTS = """
import json
import os
import pytest
from nats_service import LookupService, ask


@pytest.fixture(scope="module")
def service(asyncapi_broker):
    running = LookupService(asyncapi_broker.url)
    yield running
    running.close()


def test_valid_reply(asyncapi, service):
    reply = asyncapi.request("answerLookup", {"userId": "ada"}, timeout=10)
    assert json.loads(reply.payload) == {"userId": "ada", "email": "ada@example.com"}
    assert reply.destination.startswith("_INBOX.asyncapi.")


@pytest.mark.asyncio
async def test_async_twin_with_an_example(asyncapi, service):
    reply = await asyncapi.arequest("answerLookup", example="ada", timeout=10)
    assert json.loads(reply.payload)["email"] == "ada@example.com"


def test_invalid_reply(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "bad"}, timeout=10)


def test_missing_reply(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "silent"}, timeout=1)


def test_mismatched_correlation_id(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "other-id"}, timeout=10)


def test_missing_correlation_id(asyncapi, service):
    asyncapi.request("answerLookup", {"userId": "no-id"}, timeout=10)


def test_between_two_services_valid(asyncapi, service):
    assert ask("grace")["email"] == "grace@example.com"


def test_between_two_services_invalid(asyncapi, service):
    assert ask("bad")["email"] == "not-an-email"


def test_between_two_services_wrong_correlation(asyncapi, service):
    ask("other-id", correlation="c-9")


def test_unanswered_request_between_services_is_a_warning(asyncapi, service):
    import asyncio, nats

    async def go():
        nc = await nats.connect(os.environ["NATS_URL"])
        await nc.publish("users.lookup", b'{"userId": "silent"}', reply="_INBOX.nobody.1",
                         headers={"x-correlation-id": "c-10"})
        await nc.flush()
        await nc.close()

    asyncio.run(go())
"""


def test_request_reply_on_nats(pytester: pytest.Pytester) -> None:
    shutil.copy(HERE / "lookup-nats.yaml", pytester.path / "lookup-nats.yaml")
    shutil.copy(HERE / "nats_service.py", pytester.path / "nats_service.py")
    pytester.makepyfile(test_lookup=TESTS)
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
    )
    result = pytester.runpytest_subprocess(
        "--asyncapi", "lookup-nats.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4, failed=6)
    failed = (
        "invalid_reply",
        "missing_reply",
        "mismatched_correlation_id",
        "missing_correlation_id",
        "between_two_services_invalid",
        "between_two_services_wrong_correlation",
    )
    for name in failed:
        result.stdout.fnmatch_lines([f"*FAILED test_lookup.py::test_{name} *"])
    result.stdout.fnmatch_lines(
        [
            "*_ test_invalid_reply _*",
            "*asyncapi.request('answerLookup'): the reply breaks the contract*",
            "*lookup-nats.yaml · channel lookupReply · operation answerLookup reply"
            " · message UserFound*",
            "*reply payload /email [[]format[]]*",
            "*seen on '_INBOX.asyncapi.*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*_ test_missing_reply _*", "*no reply on '_INBOX.asyncapi.*' within 1 s*"]
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
            "*_ test_missing_correlation_id _*",
            "*no correlation ID at $message.header#/x-correlation-id*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_between_two_services_invalid _*",
            "*AsyncAPI contract broken*",
            "*operation answerLookup reply · message UserFound*",
            "*reply payload /email [[]format[]]*",
            "*seen on '_INBOX.*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ test_between_two_services_wrong_correlation _*",
            "*the reply's correlation ID 'someone-else'*is not the request's 'c-9'*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*request/reply (request -> reply):*",
            "*answerLookup: LookupRequest -> UserFound  5 invalid, 3 valid",
            "*answerLookup: LookupRequest -> (no reply)  2 missing",
            "warning: 2 request(s) got no reply:",
            "*test_missing_reply: lookup-nats.yaml · answerLookup: request 'LookupRequest'",
            "*test_unanswered_request_between_services_is_a_warning:*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*lookupReply     8      3        5          0  (replies to requests)"]
    )
    assert "undeclared" not in result.stdout.str()
