"""JetStream end to end: the plugin's broker runs JetStream, stream traffic is judged like core
NATS traffic, and JetStream's own API and ack subjects are never "undeclared"."""

from __future__ import annotations

import pytest

SPEC = """
asyncapi: 3.0.0
info: {title: Orders, version: 1.0.0}
servers:
  local: {host: "localhost:4222", protocol: nats}
channels:
  ordersCreated:
    address: orders.created
    messages:
      OrderCreated:
        payload:
          type: object
          required: [orderId, amount]
          properties:
            orderId: {type: string}
            amount: {type: number, exclusiveMinimum: 0}
operations:
  sendOrderCreated:
    action: send
    channel: {$ref: '#/channels/ordersCreated'}
    messages: [{$ref: '#/channels/ordersCreated/messages/OrderCreated'}]
"""

SERVICE = '''
import asyncio, json, os
import nats


def publish_to_stream(payload, *, create=False, consume=False):
    """A service's JetStream publish (acked by the stream), optionally creating the stream
    first and consuming + acking the message like a worker would."""
    async def go():
        nc = await nats.connect(os.environ["NATS_URL"])
        js = nc.jetstream()
        if create:
            await js.add_stream(name="ORDERS", subjects=["orders.>"])
        ack = await js.publish("orders.created", json.dumps(payload).encode())
        assert ack.stream == "ORDERS"
        if consume:
            sub = await js.pull_subscribe("orders.created", "worker")
            for msg in await sub.fetch(1, timeout=5):
                await msg.ack_sync()
        await nc.close()
    asyncio.run(go())
'''

TESTS = """
from service import publish_to_stream

def test_creates_stream_and_publishes_good():
    publish_to_stream({"orderId": "o-1", "amount": 5}, create=True, consume=True)

def test_publishes_bad_amount():
    publish_to_stream({"orderId": "o-2", "amount": -1})

def test_publishes_good_again():
    publish_to_stream({"orderId": "o-3", "amount": 7}, consume=True)
"""


@pytest.fixture
def js_pytester(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    contract_pytester.makefile(".yaml", orders=SPEC)
    contract_pytester.makepyfile(service=SERVICE)
    return contract_pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "--asyncapi",
        "orders.yaml",
        "--asyncapi-broker",
        "local",
        "--asyncapi-strict",
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_a_service_that_creates_its_stream(js_pytester: pytest.Pytester) -> None:
    js_pytester.makepyfile(test_orders=TESTS)
    result = _run(js_pytester, "--asyncapi-jetstream")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*payload /amount [[]exclusiveMinimum[]]*",
            "*ordersCreated*3*2*1*0*orders.created*",
            "*FAILED test_orders.py::test_publishes_bad_amount*",
        ]
    )
    output = result.stdout.str()
    assert "undeclared" not in output
    assert "$JS" not in output


def test_streams_declared_for_the_session_take_plain_js_publishes(
    js_pytester: pytest.Pytester,
) -> None:
    js_pytester.makepyfile(
        test_orders="""
        from service import publish_to_stream

        def test_publish_only():
            publish_to_stream({"orderId": "o-9", "amount": 1}, consume=True)

        def test_publish_bad():
            publish_to_stream({"orderId": 9, "amount": 1})
        """
    )
    js_pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "asyncapi_nats_streams =\n    ORDERS=orders.>,audit.orders\n"
    )
    result = _run(js_pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*payload /orderId [[]type[]]*", "*FAILED test_orders.py::test_publish_bad*"]
    )
    assert "undeclared" not in result.stdout.str()
