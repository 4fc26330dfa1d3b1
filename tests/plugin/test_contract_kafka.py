"""End to end on a real Kafka-protocol broker (local Tansu): payload, headers and key checked."""

from __future__ import annotations

import time

import pytest


def test_kafka_bad_key_and_headers_fail_the_right_tests(kafka_pytester: pytest.Pytester) -> None:
    kafka_pytester.makepyfile(
        test_orders="""
        import os
        from kafka_publisher import send, ORDER, HEADERS

        def test_env(asyncapi_broker):
            assert asyncapi_broker.protocol == "kafka"
            assert os.environ["KAFKA_BOOTSTRAP_SERVERS"] == asyncapi_broker.servers

        def test_good():
            send("orders.events", ORDER)

        def test_bad_key():
            send("orders.events", ORDER, key="order-42")

        def test_wrong_event_type_header():
            send("orders.events", ORDER, headers={**HEADERS, "event-type": "OrderShipped"})

        def test_after_is_clean():
            send("orders.events", ORDER)
        """
    )
    result = kafka_pytester.runpytest_subprocess(
        "--asyncapi", "orders-kafka.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*FAILED test_orders.py::test_bad_key*"])
    result.stdout.fnmatch_lines(["*FAILED test_orders.py::test_wrong_event_type_header*"])
    result.stdout.fnmatch_lines(
        [
            "*_ test_bad_key _*",
            "*channel orderEvents*",
            "*key / [[]pattern[]]*",
            "*seen on 'orders.events'*",
            "*schema #/components/schemas/OrderId*",
            '*value: "order-42"*',
        ]
    )
    result.stdout.fnmatch_lines(["*headers /event-type [[]const[]]*"])
    result.stdout.fnmatch_lines(["*orderEvents*4*2*2*0*orders.events*"])


def test_twenty_consecutive_tests_on_a_three_partition_topic(
    kafka_pytester: pytest.Pytester,
) -> None:
    kafka_pytester.makepyfile(
        test_windows="""
        import asyncio, os
        import pytest
        from aiokafka import AIOKafkaConsumer
        from kafka_publisher import send, ORDER

        def partitions(topic):
            async def go():
                consumer = AIOKafkaConsumer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"])
                await consumer.start()
                try:
                    await consumer.topics()  # fetch metadata
                    return consumer.partitions_for_topic(topic)
                finally:
                    await consumer.stop()
            return asyncio.run(go())

        def test_topic_created_with_the_binding_partitions(asyncapi_broker):
            # the channel binding says 3; --asyncapi-kafka-partitions 1 is the fallback
            assert partitions("orders.events") == {0, 1, 2}

        @pytest.mark.parametrize("window", range(20))
        def test_window(asyncapi, window):
            count = window % 4 + 1
            for n in range(count):
                key = "ord-%06d" % (window * 10 + n)
                if window in (7, 13) and n == 0:
                    key = "bad-key"
                send("orders.events", {**ORDER, "orderId": key}, key=key)
            records = asyncapi.expect("orderEvents", count=count, timeout=10)
            assert len(records) == count
            assert {r.partition for r in records} <= {0, 1, 2}
        """
    )
    result = kafka_pytester.runpytest_subprocess(
        "--asyncapi",
        "orders-kafka.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        "--asyncapi-kafka-partitions",
        "1",
    )
    result.assert_outcomes(passed=19, failed=2)
    result.stdout.fnmatch_lines(["*FAILED test_windows.py::test_window[[]7[]]*"])
    result.stdout.fnmatch_lines(["*FAILED test_windows.py::test_window[[]13[]]*"])
    total = sum(w % 4 + 1 for w in range(20))
    result.stdout.fnmatch_lines([f"*orderEvents*{total}*{total - 2}*2*0*orders.events*"])


def test_kafka_broker_killed_mid_session_errors_within_seconds(
    kafka_pytester: pytest.Pytester,
) -> None:
    kafka_pytester.makepyfile(
        test_kill="""
        from kafka_publisher import send, ORDER
        from pytest_asyncapi.plugin.hooks import SESSION

        def test_before():
            send("orders.events", ORDER)

        def test_broker_dies(request):
            request.config.stash[SESSION].broker.kill()

        def test_after():
            pass
        """
    )
    started = time.monotonic()
    result = kafka_pytester.runpytest_subprocess(
        "--asyncapi", "orders-kafka.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    elapsed = time.monotonic() - started
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_broker_dies*", "*AsyncAPI capture failed:*"])
    result.stdout.fnmatch_lines(["*ERROR at setup of test_after*", "*broker is unavailable*"])
    result.stdout.fnmatch_lines(["*orderEvents*1*1*0*0*orders.events*"])
    result.stdout.fnmatch_lines(["*broker lost during the session:*"])
    assert elapsed < 20, f"took {elapsed:.1f} s"
