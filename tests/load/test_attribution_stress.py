"""Issue 10.1 under stress: a message a fixture's teardown publishes (confirmed by the broker
before the teardown returns) is judged "between tests", never charged to the next test —
hundreds of times in a row, with every core kept busy, on NATS and on Kafka.

The race this guards against: nats-py 2.16's ``flush()`` writes its PING ahead of a PUB still
pending, so a flush right after a publish returns before the server has seen the message; the
capture's drain at the start of the next test could then beat it. The capture's own round
trips queue their PING behind pending commands, and the publisher helpers confirm with a
second flush (see tests/support/plugin_runs.py).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from typing import TYPE_CHECKING

import pytest

from tests.support.kafka_publisher import KAFKA_PUBLISHER
from tests.support.plugin_runs import SAMPLES

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.load


def _burn(stop: multiprocessing.synchronize.Event) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@pytest.fixture
def cpu_load() -> Iterator[None]:
    """One busy process per core for the duration of the test."""
    stop = multiprocessing.Event()
    burners = [
        multiprocessing.Process(target=_burn, args=(stop,), daemon=True)
        for _ in range(os.cpu_count() or 2)
    ]
    for burner in burners:
        burner.start()
    yield
    stop.set()
    for burner in burners:
        burner.join(10)


def _check(result: pytest.RunResult, count: int) -> None:
    result.assert_outcomes(passed=count)  # a misattributed message fails the test it lands in
    result.stdout.fnmatch_lines(
        [f"*FAILED: {count} violation(s) in messages published between tests*"]
    )


NATS_TESTS = """
import pytest
from publisher import publish, GOOD, HEADERS

@pytest.fixture
def leaky():
    yield
    publish("user/signedup", {**GOOD, "email": "bad"}, HEADERS)

@pytest.mark.parametrize("n", range(COUNT))
def test_window(leaky, n):
    pass
"""


def test_nats_teardown_messages_are_never_charged_to_the_next_test(
    contract_pytester: pytest.Pytester, cpu_load: None
) -> None:
    count = 300
    contract_pytester.makepyfile(test_stress=NATS_TESTS.replace("COUNT", str(count)))
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    _check(result, count)


KAFKA_TESTS = """
import pytest
from kafka_publisher import send, ORDER

@pytest.fixture
def leaky():
    yield
    send("orders.events", {**ORDER, "total": "not a number"})

@pytest.mark.parametrize("n", range(COUNT))
def test_window(leaky, n):
    pass
"""


def test_kafka_teardown_messages_are_never_charged_to_the_next_test(
    contract_pytester: pytest.Pytester, cpu_load: None
) -> None:
    count = 200
    shutil.copy(SAMPLES / "orders-kafka.yaml", contract_pytester.path / "orders-kafka.yaml")
    contract_pytester.makepyfile(kafka_publisher=KAFKA_PUBLISHER)
    contract_pytester.makepyfile(test_stress=KAFKA_TESTS.replace("COUNT", str(count)))
    result = contract_pytester.runpytest_subprocess(
        "--asyncapi", "orders-kafka.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    _check(result, count)
