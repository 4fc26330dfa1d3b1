"""2.x and 3.x documents become the same neutral model."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_asyncapi.errors import SpecError, UnsupportedVersionError
from pytest_asyncapi.spec.loader import DocumentInvalidError, load_spec
from pytest_asyncapi.spec.model import Action
from pytest_asyncapi.spec.options import LoadOptions

SAMPLES = Path(__file__).resolve().parents[2] / "sample_specs"


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_v2_and_v3_signup_specs_give_the_same_operations() -> None:
    v2 = load_spec(SAMPLES / "user-signup-2.6.yaml")
    v3 = load_spec(SAMPLES / "user-signup-3.0.yaml")
    for spec in (v2, v3):
        actions = {op.id: op.action for op in spec.operations}
        assert actions == {
            "publishUserSignedUp": Action.SEND,
            "onDeleteUser": Action.RECEIVE,
            "answerUserLookup": Action.RECEIVE,
        }
        assert spec.findings == ()
    # only 3.x can say that the lookup is answered (2.x has no reply object)
    [v2_lookup] = [op for op in v2.operations if op.id == "answerUserLookup"]
    [v3_lookup] = [op for op in v3.operations if op.id == "answerUserLookup"]
    assert v2_lookup.reply is None
    assert v3_lookup.reply is not None
    assert v3_lookup.reply.channel_id == "userLookupReply"
    assert [m.display_name for m in v3_lookup.reply.messages] == ["UserFound", "UserNotFound"]
    v2_sent = v2.sent_messages(v2.channel("user/signedup"))
    v3_sent = v3.sent_messages(v3.channel("userSignedUp"))
    assert (
        [m.display_name for m in v2_sent] == [m.display_name for m in v3_sent] == ["UserSignedUp"]
    )
    assert v3.channel("userSignedUp").address == "user/signedup"
    assert v3.channel("user/signedup").id == "userSignedUp"


def test_message_fields_come_through_with_traits_applied() -> None:
    spec = load_spec(SAMPLES / "user-signup-3.0.yaml")
    message = spec.channel("userSignedUp").message("UserSignedUp")
    assert message.content_type == "application/json"
    assert message.headers is not None
    assert "x-correlation-id" in message.headers.schema["properties"]
    assert message.payload is not None
    assert message.payload.name == "#/components/schemas/UserSignedUpPayload"
    assert message.examples
    assert message.examples[0].has_payload


def test_client_view_flips_the_2x_verbs() -> None:
    spec = load_spec(SAMPLES / "user-signup-2.6.yaml", LoadOptions(client_view=True))
    actions = {op.id: op.action for op in spec.operations}
    assert actions == {
        "publishUserSignedUp": Action.RECEIVE,
        "onDeleteUser": Action.SEND,
        "answerUserLookup": Action.SEND,
    }


def test_2x_oneof_messages_and_parameters() -> None:
    spec = load_spec(SAMPLES / "streetlights-params.yaml")
    measured = spec.channels[0]
    assert [m.key for m in measured.messages] == ["lightMeasured", "lightFault"]
    assert [p.name for p in measured.parameters] == ["streetlightId"]
    turn = spec.channels[1]
    command = turn.parameter("command")
    assert command is not None
    assert command.enum == ("on", "off")  # YAML 1.2 reading: strings, not booleans


def test_kafka_key_schema_and_multiple_messages_per_channel() -> None:
    spec = load_spec(SAMPLES / "orders-kafka.yaml")
    channel = spec.channel("orderEvents")
    assert [m.key for m in channel.messages] == ["OrderCreated", "OrderCancelled"]
    key = channel.message("OrderCreated").key_schema
    assert key is not None
    assert key.schema["pattern"] == "^ord-[0-9]{6}$"
    assert spec.protocols == ("kafka",)


def test_3x_operation_message_subset_and_default_all(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    address: a.b
    messages:
      one: {payload: {type: string}}
      two: {payload: {type: integer}}
operations:
  sendOne:
    action: send
    channel: {$ref: '#/channels/c'}
    messages: [{$ref: '#/channels/c/messages/one'}]
  receiveAll:
    action: receive
    channel: {$ref: '#/channels/c'}
""",
    )
    spec = load_spec(path)
    ops = {op.id: op for op in spec.operations}
    assert [m.key for m in ops["sendOne"].messages] == ["one"]
    assert [m.key for m in ops["receiveAll"].messages] == ["one", "two"]
    assert ops["sendOne"].messages[0] is spec.channel("c").messages[0]


def test_default_content_type_fallback_and_multi_format_schema(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
asyncapi: 3.0.0
info: {title: t, version: '1'}
defaultContentType: application/json
channels:
  c:
    address: a
    messages:
      avro:
        contentType: application/octet-stream
        payload:
          schemaFormat: application/vnd.apache.avro;version=1.9.0
          schema: {type: record, name: R, fields: []}
      plain: {payload: {type: object}}
""",
    )
    channel = load_spec(path).channel("c")
    avro, plain = channel.messages
    assert avro.content_type == "application/octet-stream"
    assert avro.payload is not None
    assert avro.payload.schema_format.startswith("application/vnd.apache.avro")
    assert avro.payload.schema["type"] == "record"
    assert plain.content_type == "application/json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("asyncapi: 9.9.9\ninfo: {title: t, version: '1'}\n", UnsupportedVersionError),
        ("info: {title: t, version: '1'}\n", SpecError),
    ],
)
def test_version_errors_name_the_file(tmp_path: Path, text: str, expected: type) -> None:
    path = write(tmp_path, text)
    with pytest.raises(expected) as caught:
        load_spec(path)
    assert "spec.yaml" in str(caught.value)
    if expected is UnsupportedVersionError:
        assert "3.0.0" in str(caught.value)  # the hint lists what is supported


def test_strict_loading_raises_with_every_finding(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
asyncapi: 2.6.0
info: {title: t, version: '1'}
channels:
  user/{userId}/signedup:
    subscribe:
      message: {payload: {type: object}}
""",
    )
    lenient = load_spec(path)
    assert [f.rule for f in lenient.findings] == ["undeclared-parameter"]
    with pytest.raises(DocumentInvalidError) as caught:
        load_spec(path, strict=True)
    assert "userId" in str(caught.value)
