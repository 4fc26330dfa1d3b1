"""Publishing through generated helpers into real brokers with the plugin on (pytester):
nats-server for the user service, Tansu for the order service, mosquitto for the streetlights,
RabbitMQ (one per module, passed as a URL) for the account service. The helpers' messages
pass; a hand-made bad message in the same run fails, so the plugin is really judging."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

import pytest_asyncapi.brokers.kafka.capture  # noqa: F401  (see tests/conftest.py)
from pytest_asyncapi.brokers.local_binary import start_local
from pytest_asyncapi.spec.loader import load_spec
from tests.support.codegen import SAMPLES, generate_into

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_asyncapi.brokers.endpoints import ProvisionedBroker

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

MQTT_TESTS = """
import asyncio, os
from urllib.parse import urlsplit
import aiomqtt
from lights.factories import dim_light_payloads, light_measured_payloads
from lights.models import LightMeasuredHeaders
from lights.mqtt import publish_dim_light, publish_light_measured

HEADERS = LightMeasuredHeaders(x_schema_version="1")


def run(send):
    async def go():
        url = urlsplit(os.environ["MQTT_URL"])
        async with aiomqtt.Client(
            url.hostname, url.port, protocol=aiomqtt.ProtocolVersion.V5
        ) as client:
            await send(client)
    asyncio.run(go())


def test_measured_instances_pass():
    strategy = light_measured_payloads()
    async def send(client):
        for _ in range(5):
            model = strategy.example()
            await publish_light_measured(client, model, headers=HEADERS, streetlight_id="lamp-1")
    run(send)


def test_generated_instances_pass():
    strategy = dim_light_payloads()
    async def send(client):
        for _ in range(5):
            await publish_dim_light(client, strategy.example())
    run(send)


def test_a_bad_header_fails():
    bad = LightMeasuredHeaders.model_construct(x_schema_version="2")
    async def send(client):
        model = light_measured_payloads().example()
        await publish_light_measured(client, model, headers=bad, streetlight_id="lamp-7")
    run(send)
"""

AMQP_TESTS = """
import asyncio, os
import aio_pika
from accounts.amqp import publish_account_closed, publish_user_signed_up
from accounts.factories import account_closed_payloads, user_signed_up_examples
from accounts.models import UserSignedUpHeaders


def run(send):
    async def go():
        connection = await aio_pika.connect(os.environ["AMQP_URL"])
        async with connection:
            await send(await connection.channel())
    asyncio.run(go())


def test_examples_pass():
    async def send(channel):
        headers = UserSignedUpHeaders(x_schema_version="1")
        for model in user_signed_up_examples():
            await publish_user_signed_up(channel, model, headers=headers, region="eu")
    run(send)


def test_generated_instances_pass():
    strategy = account_closed_payloads()
    async def send(channel):
        for _ in range(5):
            await publish_account_closed(channel, strategy.example())
    run(send)


def test_a_bad_header_fails():
    bad = UserSignedUpHeaders.model_construct(x_schema_version="2")
    async def send(channel):
        model = user_signed_up_examples()[0]
        await publish_user_signed_up(channel, model, headers=bad, region="us")
    run(send)
"""


@pytest.fixture(scope="module")
def rabbitmq() -> Iterator[ProvisionedBroker]:
    broker = start_local("amqp", startup_timeout=60)
    yield broker
    broker.stop()


@pytest.fixture
def generated(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(SAMPLES / "orders-kafka.yaml", contract_pytester.path / "orders-kafka.yaml")
    generate_into(
        load_spec(contract_pytester.path / "user-signup-3.0.yaml"), "users", contract_pytester.path
    )
    generate_into(
        load_spec(contract_pytester.path / "orders-kafka.yaml"), "orders", contract_pytester.path
    )
    for sample, package in (
        ("streetlights-mqtt.yaml", "lights"),
        ("accounts-amqp.yaml", "accounts"),
    ):
        shutil.copy(SAMPLES / sample, contract_pytester.path / sample)
        generate_into(load_spec(contract_pytester.path / sample), package, contract_pytester.path)
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


def test_mqtt_helpers_publish_valid_messages(generated: pytest.Pytester) -> None:
    generated.makepyfile(test_lights=MQTT_TESTS)
    result = generated.runpytest_subprocess(
        "--asyncapi", "streetlights-mqtt.yaml", "--asyncapi-broker", "local", "-p",
        "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_lights.py::test_a_bad_header_fails*"])
    result.stdout.fnmatch_lines(["*x-schema-version*"])
    # channel, seen, valid, invalid: the helpers' messages arrived on their topics, checked
    result.stdout.fnmatch_lines(
        ["*lightingMeasured  *6  *5  *1  *", "*lightsDimmed  *5  *5  *0  *"]
    )


def test_amqp_helpers_publish_valid_messages(
    generated: pytest.Pytester, rabbitmq: ProvisionedBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMQP_URL", raising=False)
    generated.makepyfile(test_accounts=AMQP_TESTS)
    result = generated.runpytest_subprocess(
        "--asyncapi", "accounts-amqp.yaml", "--asyncapi-broker", rabbitmq.endpoint.url, "-p",
        "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_accounts.py::test_a_bad_header_fails*"])
    result.stdout.fnmatch_lines(["*x-schema-version*"])
    result.stdout.fnmatch_lines(["*userSignedUp  *2  *1  *1  *", "*accountClosed  *5  *5  *0  *"])
