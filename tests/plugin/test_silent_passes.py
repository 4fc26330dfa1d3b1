"""End to end on real brokers: a duplicate JSON key and a repeated header fail the test."""

from __future__ import annotations

import pytest


def test_duplicate_json_key_fails_on_nats(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(
        test_dup="""
        import json
        from publisher import publish, GOOD, HEADERS

        def test_duplicate_key():
            body = json.dumps(GOOD)[:-1] + ', "displayName": 5, "displayName": "Ada"}'
            publish("user/signedup", None, HEADERS, raw=body.encode())

        def test_unique_keys():
            publish("user/signedup", GOOD, HEADERS)
        """
    )
    result = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_dup.py::test_duplicate_key*"])
    result.stdout.fnmatch_lines(
        ["*payload / [[]duplicate-key[]]: key 'displayName' occurs 3 times*"]
    )


def test_repeated_header_fails_on_kafka(
    kafka_pytester: pytest.Pytester,
) -> None:
    kafka_pytester.makepyfile(
        test_orders="""
        import json
        from kafka_publisher import send, ORDER, HEADERS

        class Pairs(list):
            \"\"\"Header pairs that repeat a name (send() reads .items()).\"\"\"
            def items(self):
                return self

        def test_repeated_header():
            send("orders.events", ORDER, headers=Pairs([*HEADERS.items(), ("trace-id", "t-2")]))

        def test_good():
            send("orders.events", ORDER)
        """
    )
    result = kafka_pytester.runpytest_subprocess(
        "--asyncapi", "orders-kafka.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAILED test_orders.py::test_repeated_header*",
        ]
    )
    result.stdout.fnmatch_lines(["*headers /trace-id [[]repeated-header[]]*(values 't-1', 't-2')*"])


RAW_HPUB = '''
import os, socket

def hpub(subject, header_lines, payload):
    """Publish through the raw NATS protocol: header lines as given, names may repeat."""
    host, port = os.environ["NATS_URL"].rsplit("/", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        stream = sock.makefile("rb")
        stream.readline()  # INFO
        lines = ["NATS/1.0", *header_lines, "", ""]
        block = "\\r\\n".join(lines).encode()
        sock.sendall(b'CONNECT {"headers":true,"verbose":false,"protocol":1}\\r\\n')
        sizes = (len(block), len(block) + len(payload))
        sock.sendall(b"HPUB %s %d %d\\r\\n" % (subject.encode(), *sizes))
        sock.sendall(block + payload + b"\\r\\nPING\\r\\n")
        assert stream.readline() == b"PONG\\r\\n"
'''


def test_repeated_header_fails_on_nats(contract_pytester: pytest.Pytester) -> None:
    contract_pytester.makepyfile(raw_nats=RAW_HPUB)
    contract_pytester.makepyfile(
        test_repeat="""
        import json
        from publisher import GOOD
        from raw_nats import hpub

        ID = "x-correlation-id: 0b7f4c1e-2a4f-4c55-9f0e-6a2b4f9f1c3d"

        def test_repeated():
            hpub("user/signedup", [ID, "x-schema-version: 2", "x-schema-version: 3"],
                 json.dumps(GOOD).encode())

        def test_once():
            hpub("user/signedup", [ID, "x-schema-version: 2"], json.dumps(GOOD).encode())
        """
    )
    result = contract_pytester.runpytest(
        "--asyncapi", "user-signup-3.0.yaml", "--asyncapi-broker", "local", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_repeat.py::test_repeated*"])
    result.stdout.fnmatch_lines(
        ["*headers /x-schema-version [[]repeated-header[]]*(values '2', '3')*"]
    )
