"""End to end on a real MQTT broker (local mosquitto): payload, user properties as headers,
topic parameters, undeclared topics, retained messages, MQTT 3.1.1 and 5 publishers."""

from __future__ import annotations

import shutil

import pytest

from tests.support.plugin_runs import SAMPLES

MQTT_PUBLISHER = '''
import json, os
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

READING = {"lumens": 10, "sentAt": "2026-11-28T10:00:00Z"}
TOPIC = "smartylighting/streetlights/1/0/event/{}/lighting/measured"


def publish(topic, payload, headers=None, version=5, retain=False, qos=1):
    """Publish like a service would: its own paho connection, QoS 1 acknowledged."""
    host, port = os.environ["MQTT_URL"].split("://", 1)[1].rsplit(":", 1)
    protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=protocol)
    client.connect(host, int(port))
    client.loop_start()
    properties = None
    if headers:
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = list(headers.items())
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    client.publish(topic, body, qos=qos, retain=retain, properties=properties).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
'''


@pytest.fixture
def mqtt_pytester(contract_pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copy(SAMPLES / "streetlights-mqtt.yaml", contract_pytester.path)
    contract_pytester.makepyfile(mqtt_publisher=MQTT_PUBLISHER)
    return contract_pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--asyncapi",
        "streetlights-mqtt.yaml",
        "--asyncapi-broker",
        "local",
        "-p",
        "no:cacheprovider",
        *args,
    )


def test_valid_passes_invalid_fails_the_right_test(mqtt_pytester: pytest.Pytester) -> None:
    mqtt_pytester.makepyfile(
        test_lights="""
        import os
        from mqtt_publisher import publish, READING, TOPIC

        def test_env(asyncapi_broker):
            assert asyncapi_broker.protocol == "mqtt"
            assert os.environ["MQTT_URL"] == asyncapi_broker.url

        def test_good_mqtt5():
            publish(TOPIC.format("lamp-1"), READING, {"x-schema-version": "1"})

        def test_good_mqtt311():
            publish(TOPIC.format("lamp-7"), READING, version=3)

        def test_bad_payload():
            publish(TOPIC.format("lamp-1"), {**READING, "lumens": -3})

        def test_bad_user_property():
            publish(TOPIC.format("lamp-1"), READING, {"x-schema-version": "2"})

        def test_after_is_clean():
            publish(TOPIC.format("lamp-1"), READING)
        """
    )
    result = run(mqtt_pytester)
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines(["*FAILED test_lights.py::test_bad_payload*"])
    result.stdout.fnmatch_lines(["*FAILED test_lights.py::test_bad_user_property*"])
    result.stdout.fnmatch_lines(
        [
            "*_ test_bad_payload _*",
            "*channel lightingMeasured*",
            "*payload /lumens [[]minimum[]]*",
            "*seen on 'smartylighting/streetlights/1/0/event/lamp-1/lighting/measured'*",
        ]
    )
    result.stdout.fnmatch_lines(["*headers /x-schema-version [[]const[]]*"])
    result.stdout.fnmatch_lines(["*asyncapi: 1 spec(s), mqtt broker: local*"])
    result.stdout.fnmatch_lines(
        ["*lightingMeasured*5*3*2*0*smartylighting/streetlights/1/0/event/+/lighting/measured*"]
    )


def test_parameters_extracted_and_checked(mqtt_pytester: pytest.Pytester) -> None:
    mqtt_pytester.makepyfile(
        test_params="""
        from mqtt_publisher import publish, READING, TOPIC

        def test_known_lamp(asyncapi):
            publish(TOPIC.format("lamp-7"), READING)
            (record,) = asyncapi.expect("lightingMeasured", count=1, timeout=10)
            assert record.destination == TOPIC.format("lamp-7")

        def test_unknown_lamp():
            publish(TOPIC.format("lamp-99"), READING)
        """
    )
    result = run(mqtt_pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_params.py::test_unknown_lamp*"])
    result.stdout.fnmatch_lines(["*parameter streetlightId / [[]enum[]]*"])


def test_undeclared_topics_reported(mqtt_pytester: pytest.Pytester) -> None:
    mqtt_pytester.makepyfile(
        test_stray="""
        from mqtt_publisher import publish, READING

        def test_stray_topic():
            publish("smartylighting/streetlights/1/0/event/lamp-1/other", READING)

        def test_too_many_levels():
            # `{streetlightId}` is one topic level: a/b is not a value of it
            publish("smartylighting/streetlights/1/0/event/a/b/lighting/measured", READING)
        """
    )
    result = run(mqtt_pytester)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "undeclared destinations (no channel in any spec):",
            "  'smartylighting/streetlights/1/0/event/lamp-1/other': 1 message(s)",
            "  'smartylighting/streetlights/1/0/event/a/b/lighting/measured': 1 message(s)",
        ]
    )
    strict = run(mqtt_pytester, "--asyncapi-strict")
    strict.assert_outcomes(failed=2)


def test_retained_message_reported_as_retained(mqtt_pytester: pytest.Pytester) -> None:
    mqtt_pytester.makepyfile(
        test_retained="""
        from mqtt_publisher import publish

        DIM = "smartylighting/streetlights/1/0/action/dim"

        def test_retained_dim(asyncapi):
            publish(DIM, {"percentage": 40}, retain=True)
            (record,) = asyncapi.expect("lightsDimmed", count=1, timeout=10)
            assert record.retained

        def test_plain_dim(asyncapi):
            publish(DIM, {"percentage": 140})
            (record,) = asyncapi.expect("lightsDimmed", count=1, timeout=10)
            assert not record.retained
        """
    )
    result = run(mqtt_pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_retained.py::test_plain_dim*"])
    result.stdout.fnmatch_lines(["*payload /percentage [[]maximum[]]*"])
