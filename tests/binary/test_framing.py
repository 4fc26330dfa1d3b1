"""Confluent / Apicurio frames: declared framing is checked, never a crash."""

from __future__ import annotations

from pytest_asyncapi.schemas.framing import Framing, frame, framing_of, header_schema_id, unframe


def test_binding_declares_the_framing() -> None:
    assert framing_of({}) == Framing(None)
    assert framing_of({"kafka": {"schemaIdLocation": "payload"}}) == Framing("payload", 4)
    new = framing_of(
        {"kafka": {"schemaIdLocation": "payload", "schemaIdPayloadEncoding": "apicurio-new"}}
    )
    assert isinstance(new, Framing)
    assert new.id_size == 8
    assert "must be 'payload' or 'header'" in str(framing_of({"kafka": {"schemaIdLocation": "x"}}))
    assert "not known" in str(
        framing_of({"kafka": {"schemaIdLocation": "payload", "schemaIdPayloadEncoding": "9"}})
    )


def test_confluent_frame_round_trip_with_protobuf_indexes() -> None:
    confluent = Framing("payload", 4)
    assert unframe(frame(b"body", confluent, 7), confluent, protobuf=False).schema_id == 7
    for indexes in ((0,), (1,), (1, 2)):
        split = unframe(frame(b"body", confluent, 7, indexes), confluent, protobuf=True)
        assert (split.schema_id, split.indexes, split.body) == (7, indexes, b"body")


def test_unframed_bytes_are_a_problem_not_a_crash() -> None:
    confluent = Framing("payload", 4)
    assert "magic byte" in str(unframe(b"\x02abc\x00\x00", confluent, protobuf=False).problem)
    assert "cannot hold" in str(unframe(b"\x00\x01", confluent, protobuf=False).problem)
    apicurio = Framing("payload", 8, "apicurio-new")
    assert unframe(b"\x00" + (9).to_bytes(8, "big") + b"x", apicurio, protobuf=False).schema_id == 9


def test_apicurio_header_ids() -> None:
    assert header_schema_id([("apicurio.value.globalId", (5).to_bytes(8, "big"))], "payload") == 5
    assert header_schema_id({"apicurio.key.globalId": "12"}, "key") == 12
    assert header_schema_id([], "payload") is None
    assert "neither" in str(header_schema_id([("apicurio.value.globalId", b"\xff")], "payload"))
