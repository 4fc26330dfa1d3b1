"""Contract tests of the signup service: run with
``pytest examples/signup_service --asyncapi sample_specs/user-signup-3.0.yaml``.

The plugin checks every message the service publishes against the document (payload schema,
formats, headers) and fails the test during which a bad one was published; these tests check
what the document cannot say: which user an event is about, ordering, and the effect of a
command. Channels are named by address, so the tests run against the 2.6 document as well.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_asyncapi.plugin.fixtures import ContractRefusal

if TYPE_CHECKING:
    from signup_service import SignupService

    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture

SIGNED_UP = "user/signedup"
DELETE = "user/delete"


@pytest.mark.asyncio
async def test_sign_up_publishes_user_signed_up(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    user_id = await service.sign_up("ada@example.com", "Ada Lovelace", plan="pro")

    [event] = await asyncapi.aexpect(SIGNED_UP)

    assert event.destination == "user/signedup"
    payload = json.loads(event.payload)
    assert payload["userId"] == user_id
    assert payload["email"] == "ada@example.com"
    assert payload["displayName"] == "Ada Lovelace"
    assert payload["plan"] == "pro"


@pytest.mark.asyncio
async def test_two_sign_ups_publish_two_events_in_commit_order(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    first = await service.sign_up("grace@example.org", "Grace")
    second = await service.sign_up("alan@example.org", "Alan", plan="free")

    events = await asyncapi.aexpect(SIGNED_UP, count=2)

    assert [json.loads(e.payload)["userId"] for e in events] == [first, second]


@pytest.mark.asyncio
@pytest.mark.asyncapi(must_see=[SIGNED_UP])
async def test_minimal_sign_up_has_no_plan(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    # must_see: the plugin fails this test if nothing at all was published on the channel.
    user_id = await service.sign_up("edsger@example.net", "E")

    [event] = await asyncapi.aexpect(SIGNED_UP)

    payload = json.loads(event.payload)
    assert payload["userId"] == user_id
    assert "plan" not in payload


@pytest.mark.asyncio
async def test_outbox_is_empty_once_relayed(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    for n in range(3):
        await service.sign_up(f"user{n}@example.com", f"User {n}")

    await service.wait_until(lambda: service.relayed == 3)

    assert service.store.outbox_size() == 0
    assert len(await asyncapi.aexpect(SIGNED_UP, count=3)) == 3


@pytest.mark.asyncio
async def test_delete_user_command_deletes_the_user(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    user_id = await service.sign_up("barbara@example.com", "Barbara")
    await asyncapi.aexpect(SIGNED_UP)
    assert service.store.user(user_id) is not None

    await asyncapi.apublish(DELETE, {"userId": user_id, "reason": "Requested by the user"})

    await service.wait_until(lambda: service.store.user(user_id) is None)
    assert service.deletes_handled == 1


@pytest.mark.asyncio
async def test_contract_refuses_a_delete_command_without_reason(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    user_id = await service.sign_up("ken@example.com", "Ken")

    with pytest.raises(ContractRefusal, match="reason"):
        await asyncapi.apublish(DELETE, {"userId": user_id})

    assert service.deletes_handled == 0
    assert service.store.user(user_id) is not None
