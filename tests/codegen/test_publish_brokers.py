"""Publishing through generated helpers into real brokers with the plugin on (pytester):
nats-server for the user service, Tansu for the order service. The helpers' messages pass;
a hand-made bad message in the same run fails, so the plugin is really judging."""

from __future__ import annotations

import shutil

import pytest

import pytest_asyncapi.brokers.kafka.capture  # noqa: F401  (see tests/conftest.py)
from pytest_asyncapi.spec.loader import load_spec
from tests.support.codegen import SAMPLES, generate_into

NATS_TESTS = """
import asyncio, os
import nats
from users.factories import user_signed_up_examples, user_signed_up_payloads
from users.models import UserSignedUpHeaders
from users.nats import publish_user_signed_up

HEADERS = UserSignedUpHeaders(x_correlation_id="0b7f4c1e-2a4f-4c55-9f0e-6a2b4f9f1c3d")


def publish(models):
    async def go():
        client = await nats.connect(os.environ["NATS_URL"])
        for model in models:
            await publish_user_signed_up(client, model, headers=HEADERS)
        await client.flush()
        await client.close()
    asyncio.run(go())


def test_examples_pass():
    examples = user_signed_up_examples()
    assert len(examples) == 2
    publish(examples)


def test_generated_instances_pass():
    strategy = user_signed_up_payloads()
    publish([strategy.example() for _ in range(5)])


def test_a_drifted_copy_fails():
    bad = user_signed_up_examples()[0].model_copy(update={"displayName": ""})
    publish([bad])
"""

KAFKA_TESTS = """
import asyncio, os
from aiokafka import AIOKafkaProducer
from orders.factories import order_created_examples, order_cancelled_payloads
from orders.kafka import publish_order_cancelled, publish_order_created
from orders.models import OrderCancelledHeaders, OrderCreatedHeaders


def run(send):
    async def go():
        producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        await producer.start()
        try:
            await send(producer)
        finally:
            await producer.stop()
    asyncio.run(go())


def test_created_examples_pass():
    async def send(producer):
        for model in order_created_examples():
            headers = OrderCreatedHeaders(event_type="OrderCreated", trace_id="t-1")
            await publish_order_created(producer, model, headers=headers, key=model.orderId)
    run(send)


def test_cancelled_instances_pass():
    strategy = order_cancelled_payloads()
    async def send(producer):
        for _ in range(5):
            model = strategy.example()
            headers = OrderCancelledHeaders(event_type="OrderCancelled", trace_id="t-2")
            await publish_order_cancelled(producer, model, headers=headers, key=model.orderId)
    run(send)


def test_a_bad_key_fails():
    async def send(producer):
        model = order_created_examples()[0]
        headers = OrderCreatedHeaders(event_type="OrderCreated", trace_id="t-1")
        await publish_order_created(producer, model, headers=headers, key="not-an-order-id")
    run(send)
"""


@pytest.fixture
def generated(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(SAMPLES / "orders-kafka.yaml", contract_pytester.path / "orders-kafka.yaml")
    generate_into(
        load_spec(contract_pytester.path / "user-signup-3.0.yaml"), "users", contract_pytester.path
    )
    generate_into(
        load_spec(contract_pytester.path / "orders-kafka.yaml"), "orders", contract_pytester.path
    )
    return contract_pytester


def test_nats_helpers_publish_valid_messages(generated: pytest.Pytester) -> None:
    generated.makepyfile(test_users=NATS_TESTS)
    result = generated.runpytest_subprocess(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_users.py::test_a_drifted_copy_fails*"])
    result.stdout.fnmatch_lines(["*minLength*"])


def test_kafka_helpers_publish_valid_messages(generated: pytest.Pytester) -> None:
    generated.makepyfile(test_orders=KAFKA_TESTS)
    result = generated.runpytest_subprocess(
        "--asyncapi", "orders-kafka.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_orders.py::test_a_bad_key_fails*"])
