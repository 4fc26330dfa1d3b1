"""Request/reply: the service answers ``LookupUser`` requests on ``user/lookup`` with
``UserFound`` or ``UserNotFound`` on the requester's reply subject (operation
``answerUserLookup`` of ``sample_specs/user-signup-3.0.yaml``).

``asyncapi.request`` / ``await asyncapi.arequest`` validate the request, send it with a reply
subject, wait for the reply and check it against the reply's messages and the request's
correlation ID (``x-correlation-id``): a reply that breaks the contract fails the test, naming
the operation and "reply". The tests check what the document cannot say: that the reply is
about the right user, with the account the service stored.

The tests marked ``reply_contract`` need a document that declares the reply (AsyncAPI 3); the
example's conftest deselects them with the 2.6 document. The last test asks with plain nats-py
(another service asking) and runs with both documents: with 3.0 the plugin still checks the
reply it observes, with 2.6 it checks the request only.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

import nats
import pytest

from pytest_asyncapi.plugin.request_api import RequestRefused

if TYPE_CHECKING:
    from signup_service import ServiceThread, SignupService

    from pytest_asyncapi.captured import Captured
    from pytest_asyncapi.plugin.fixtures import AsyncAPIFixture
    from pytest_asyncapi.plugin.session import BrokerInfo

SIGNED_UP = "user/signedup"
DELETE = "user/delete"
LOOKUP = "answerUserLookup"


def header(message: Captured, name: str) -> str | None:
    return next((v.decode() for k, v in message.headers or () if k == name), None)


@pytest.mark.reply_contract
@pytest.mark.asyncio
async def test_lookup_answers_with_the_users_account(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    user_id = await service.sign_up("ada@example.com", "Ada Lovelace", plan="pro")
    [event] = await asyncapi.aexpect(SIGNED_UP)

    reply = await asyncapi.arequest(LOOKUP, {"userId": user_id})

    assert reply.destination.startswith("_INBOX.")  # the reply subject the request carried
    found = json.loads(reply.payload)
    assert found == {
        "found": True,
        "userId": user_id,
        "email": "ada@example.com",
        "displayName": "Ada Lovelace",
        "plan": "pro",
        "signedUpAt": json.loads(event.payload)["signedUpAt"],
    }
    assert service.lookups_answered == 1


@pytest.mark.reply_contract
@pytest.mark.asyncio
async def test_the_reply_carries_the_requests_correlation_id(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    correlation_id = str(uuid.uuid4())

    # the request is the document's example (a user this fresh database does not have)
    reply = await asyncapi.arequest(
        LOOKUP, example="ada", headers={"x-correlation-id": correlation_id}
    )

    assert json.loads(reply.payload) == {
        "found": False,
        "userId": "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d",
    }
    assert header(reply, "x-correlation-id") == correlation_id


@pytest.mark.reply_contract
@pytest.mark.asyncio
async def test_a_deleted_user_is_not_found(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    user_id = await service.sign_up("barbara@example.com", "Barbara")
    await asyncapi.aexpect(SIGNED_UP)
    await asyncapi.apublish(DELETE, {"userId": user_id, "reason": "Requested by the user"})
    await service.wait_until(lambda: service.deletes_handled == 1)

    reply = await asyncapi.arequest(LOOKUP, {"userId": user_id})

    assert json.loads(reply.payload) == {"found": False, "userId": user_id}


@pytest.mark.reply_contract
@pytest.mark.asyncio
async def test_contract_refuses_a_lookup_without_a_uuid(
    service: SignupService, asyncapi: AsyncAPIFixture
) -> None:
    with pytest.raises(RequestRefused, match=r"payload /userId \[format\]"):
        await asyncapi.arequest(LOOKUP, {"userId": "ada"})

    assert service.lookups_answered == 0


@pytest.mark.reply_contract
def test_lookup_from_a_synchronous_test(
    service_thread: ServiceThread, asyncapi: AsyncAPIFixture
) -> None:
    # asyncapi.request blocks this thread; the service answers from its own event loop.
    user_id = service_thread.call(service_thread.service.sign_up("grace@example.org", "Grace"))
    asyncapi.expect(SIGNED_UP)

    reply = asyncapi.request(LOOKUP, {"userId": user_id}, timeout=5)

    found = json.loads(reply.payload)
    assert (found["found"], found["userId"], found["email"]) == (True, user_id, "grace@example.org")
    assert "plan" not in found
    assert header(reply, "x-correlation-id") is not None  # filled in by asyncapi.request


@pytest.mark.asyncio
async def test_lookup_by_another_service(
    service: SignupService, asyncapi: AsyncAPIFixture, asyncapi_broker: BrokerInfo
) -> None:
    # Another service asking with nats-py's own request (an _INBOX. reply subject): the plugin
    # sees the request on user/lookup and, with the 3.0 document, judges the reply as the
    # reply of answerUserLookup, although neither side is the asyncapi fixture.
    user_id = await service.sign_up("alan@example.org", "Alan", plan="free")
    await asyncapi.aexpect(SIGNED_UP)
    correlation_id = str(uuid.uuid4())

    client = await nats.connect(asyncapi_broker.url)
    try:
        reply = await client.request(
            "user/lookup",
            json.dumps({"userId": user_id}).encode(),
            timeout=5,
            headers={"x-correlation-id": correlation_id},
        )
    finally:
        await client.close()

    assert json.loads(reply.data)["email"] == "alan@example.org"
    assert (reply.headers or {}).get("x-correlation-id") == correlation_id
