"""Synchronous message pacts (request/reply) written by pact-python, verified statically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pact import Pact, match

from tests.support.compat import ROOT, run_json

LOOKUP = ROOT / "tests" / "replies" / "lookup-nats.yaml"


def write_sync_pact(folder: Path, reply: dict[str, Any]) -> Path:
    pact = Pact("profile-page", "user-service").with_specification("V4")
    (
        pact.upon_receiving("a lookup request", "Sync")
        .with_body({"userId": match.str("ada")}, content_type="application/json")
        .with_metadata({"subject": "users.lookup"})
        .will_respond_with()
        .with_body(reply, content_type="application/json")
    )
    pact.write_file(folder, overwrite=True)
    (written,) = folder.glob("profile-page-user-service.json")
    return written


def test_request_and_reply_are_checked_against_the_operation_and_its_reply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_sync_pact(tmp_path, {"userId": match.str("ada"), "email": match.str("a@b.c")})
    raw = json.loads(good.read_text())
    assert raw["interactions"][0]["type"] == "Synchronous/Messages"
    code, report = run_json(capsys, "verify", "--consumer", str(good), "--provider", str(LOOKUP))
    assert code == 0, report
    request, reply = report["expectations"]
    assert request["message"] == "a lookup request (request) -> LookupRequest"
    assert (reply["provider_message"], reply["status"]) == ("UserFound", "ok")


def test_a_reply_field_the_provider_does_not_promise_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pact = write_sync_pact(
        tmp_path, {"userId": match.str("ada"), "email": match.str("a@b.c"), "name": match.str("A")}
    )
    code, report = run_json(capsys, "verify", "--consumer", str(pact), "--provider", str(LOOKUP))
    assert code == 1
    reply = report["expectations"][1]
    assert reply["status"] == "broken"
    assert "name" in reply["reason"]
    assert "counterexample" in reply["parts"]["payload"]
