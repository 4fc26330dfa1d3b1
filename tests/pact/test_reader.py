"""Reading Pact files: v3 messages, v4 interactions, v2-style rules, and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_asyncapi.errors import SpecError
from pytest_asyncapi.pact.reader import ASYNC, SYNC, is_pact_file, read_pact
from tests.support.pacts import order_created, write_pact


@pytest.mark.parametrize("specification", ["V3", "V4"])
def test_pact_python_files_read_back(tmp_path: Path, specification: str) -> None:
    path = write_pact(
        tmp_path,
        [("an order was created", order_created(), {"topic": "orders.events"})],
        specification=specification,
    )
    raw = json.loads(path.read_text())
    assert ("messages" in raw) == (specification == "V3")
    pact = read_pact(path)
    assert (pact.consumer, pact.provider) == ("billing", "order-service")
    (interaction,) = pact.interactions
    assert interaction.description == "an order was created"
    assert interaction.kind == ASYNC
    assert interaction.provider_states == ("an order exists",)
    assert interaction.message.is_json
    assert interaction.message.body["orderId"] == "ord-004211"
    assert interaction.metadata["topic"] == "orders.events"
    assert {r.path for r in interaction.message.rules} >= {("orderId",), ("items", "[*]", "sku")}
    assert is_pact_file(path)


def test_v4_sync_messages_and_encoded_contents(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "consumer": {"name": "c"},
                "provider": {"name": "p"},
                "interactions": [
                    {"type": "Synchronous/HTTP", "description": "http"},
                    {
                        "type": SYNC,
                        "description": "look up a user",
                        "request": {
                            "contents": {
                                "content": '{"id": "u1"}',
                                "contentType": "application/json",
                                "encoded": "json",
                            },
                            "metadata": {"subject": "user.lookup"},
                        },
                        "response": [
                            {
                                "contents": {
                                    "content": "eyJuYW1lIjogIkFkYSJ9",
                                    "contentType": "application/json",
                                    "encoded": "base64",
                                },
                                "matchingRules": {
                                    "body": {"$.name": {"matchers": [{"match": "type"}]}}
                                },
                            }
                        ],
                    },
                ],
                "metadata": {"pactSpecification": {"version": "4.0"}},
            }
        )
    )
    pact = read_pact(path)
    assert pact.skipped == 1
    (interaction,) = pact.interactions
    assert interaction.kind == SYNC
    assert interaction.message.body == {"id": "u1"}
    assert interaction.response[0].body == {"name": "Ada"}
    assert interaction.response[0].rules[0].path == ("name",)


def test_v2_style_rules_and_binary_contents(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "consumer": {"name": "c"},
                "provider": {"name": "p"},
                "messages": [
                    {
                        "description": "old style",
                        "contents": {"id": 1},
                        "matchingRules": {"$.body.id": {"match": "integer"}},
                    },
                    {
                        "description": "binary",
                        "contents": "AAEC",
                        "metaData": {"contentType": "application/octet-stream"},
                    },
                ],
            }
        )
    )
    old, binary = read_pact(path).interactions
    assert old.message.rules[0].path == ("id",)
    assert old.message.rules[0].matchers == ({"match": "integer"},)
    assert not binary.message.is_json
    assert binary.message.body == b"AAEC"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "cannot read the pact"),
        ('{"asyncapi": "3.0.0"}', "not a Pact file"),
        ('{"consumer": {}, "interactions": [{"type": "Synchronous/HTTP"}]}', "1 HTTP interaction"),
        ('{"consumer": {}, "messages": [{"contents": {}}]}', "without a description"),
        (
            '{"consumer": {}, "messages": [{"description": "d", "contents": {}, '
            '"matchingRules": {"body": {"$.a[x": {"matchers": []}}}}]}',
            "cannot be read at character",
        ),
    ],
)
def test_bad_pacts_say_what_and_where(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SpecError, match=r"bad\.json") as caught:
        read_pact(path)
    assert expected in str(caught.value)
