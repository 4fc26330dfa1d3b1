"""End to end on a real RabbitMQ: payload, AMQP headers, routing-key parameters, undeclared
routing keys, a fanout exchange, and the queue channel the capture cannot see.

A RabbitMQ start takes seconds, so one local broker serves the module (passed as a URL); the
first test lets the plugin start its own (``--asyncapi-broker local``)."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.brokers.local_binary import start_local
from tests.support.plugin_runs import SAMPLES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

AMQP_PUBLISHER = '''
import json, os
import pika

USER = {"displayName": "Laurent Broudoux", "email": "laurent@microcks.io"}


def publish(exchange, routing_key, payload, headers=None):
    """Publish like a service would: its own pika connection, the publish confirmed."""
    connection = pika.BlockingConnection(pika.URLParameters(os.environ["AMQP_URL"]))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        properties = pika.BasicProperties(headers=headers, content_type="application/json")
        channel.basic_publish(exchange, routing_key, body, properties)
    finally:
        connection.close()
'''


@pytest.fixture(scope="module")
def rabbitmq() -> Iterator[ProvisionedBroker]:
    broker = start_local("amqp", startup_timeout=60)
    yield broker
    broker.stop()


@pytest.fixture
def amqp_pytester(
    contract_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    shutil.copy(SAMPLES / "accounts-amqp.yaml", contract_pytester.path)
    contract_pytester.makepyfile(amqp_publisher=AMQP_PUBLISHER)
    monkeypatch.delenv("AMQP_URL", raising=False)
    return contract_pytester


def run(pytester: pytest.Pytester, broker: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--asyncapi",
        "accounts-amqp.yaml",
        "--asyncapi-broker",
        broker,
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_valid_passes_invalid_fails_the_right_test(amqp_pytester: pytest.Pytester) -> None:
    amqp_pytester.makepyfile(
        test_accounts="""
        import os
        from amqp_publisher import publish, USER

        def test_env(asyncapi_broker):
            assert asyncapi_broker.protocol == "amqp"
            assert os.environ["AMQP_URL"] == asyncapi_broker.url

        def test_good():
            publish("user-signedup", "user.signedup.eu", USER, {"x-schema-version": "1"})

        def test_good_without_headers():
            publish("user-signedup", "user.signedup.us", USER)

        def test_bad_payload():
            publish("user-signedup", "user.signedup.eu", {**USER, "email": "nope"})

        def test_bad_header():
            publish("user-signedup", "user.signedup.eu", USER, {"x-schema-version": "2"})

        def test_after_is_clean():
            publish("user-signedup", "user.signedup.eu", USER)
        """
    )
    result = run(amqp_pytester, "local")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["*FAILED test_accounts.py::test_bad_payload*"])
    result.stdout.fnmatch_lines(["*FAILED test_accounts.py::test_bad_header*"])
    result.stdout.fnmatch_lines(
        [
            "*_ test_bad_payload _*",
            "*channel userSignedUp*",
            "*payload /email [[]format[]]*",
            "*seen on 'user.signedup.eu'*",
        ]
    )
    result.stdout.fnmatch_lines(["*headers /x-schema-version [[]const[]]*"])
    result.stdout.fnmatch_lines(["*asyncapi: 1 spec(s), amqp broker: local*"])
    result.stdout.fnmatch_lines(["*userSignedUp*5*3*2*0*user.signedup.*"])


def test_parameters_extracted_and_checked(
    amqp_pytester: pytest.Pytester, rabbitmq: ProvisionedBroker
) -> None:
    amqp_pytester.makepyfile(
        test_params="""
        from amqp_publisher import publish, USER

        def test_known_region(asyncapi):
            publish("user-signedup", "user.signedup.us", USER)
            (record,) = asyncapi.expect("userSignedUp", count=1, timeout=10)
            assert record.destination == "user.signedup.us"

        def test_unknown_region():
            publish("user-signedup", "user.signedup.mars", USER)
        """
    )
    result = run(amqp_pytester, rabbitmq.endpoint.url)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_params.py::test_unknown_region*"])
    result.stdout.fnmatch_lines(["*parameter region / [[]enum[]]*"])


def test_undeclared_routing_keys_reported(
    amqp_pytester: pytest.Pytester, rabbitmq: ProvisionedBroker
) -> None:
    amqp_pytester.makepyfile(
        test_stray="""
        from amqp_publisher import publish, USER

        def test_stray_key():
            publish("user-signedup", "user.deleted", USER)

        def test_too_many_words():
            # `{region}` is one word of the routing key: eu.west is not a value of it
            publish("user-signedup", "user.signedup.eu.west", USER)
        """
    )
    result = run(amqp_pytester, rabbitmq.endpoint.url)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "undeclared destinations (no channel in any spec):",
            "  'user.deleted': 1 message(s)",
            "  'user.signedup.eu.west': 1 message(s)",
        ]
    )
    strict = run(amqp_pytester, rabbitmq.endpoint.url, "--asyncapi-strict")
    strict.assert_outcomes(failed=2)


def test_fanout_judged_by_its_channel_and_queue_channel_reported_unchecked(
    amqp_pytester: pytest.Pytester, rabbitmq: ProvisionedBroker
) -> None:
    amqp_pytester.makepyfile(
        test_fanout="""
        from amqp_publisher import publish

        def test_closed(asyncapi):
            publish("account-closed", "", {"accountId": "acc-1"})
            (record,) = asyncapi.expect("accountClosed", count=1, timeout=10)
            assert record.destination == "account.closed"

        def test_closed_bad():
            publish("account-closed", "whatever", {"accountId": ""})

        def test_welcome_email_not_seen():
            publish("", "welcome-emails", {"email": "not an email"})
        """
    )
    result = run(amqp_pytester, rabbitmq.endpoint.url)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_fanout.py::test_closed_bad*"])
    result.stdout.fnmatch_lines(["*payload /accountId [[]minLength[]]*"])
    result.stdout.fnmatch_lines(
        ["*AMQP: channel 'welcomeEmails' is a queue ('welcome-emails')*not captured (unchecked)*"]
    )
