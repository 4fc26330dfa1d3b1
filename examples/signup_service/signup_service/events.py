"""The messages of the contract (``sample_specs/user-signup-3.0.yaml``) and their encoding.

``broken`` selects a deliberately wrong encoding, so that the project's own tests can check
that a contract test fails with the right message. Each variant breaks the contract, not the
business fields the example's tests assert on (except ``email``, which changes the email):

=====================  =======================================================================
``email``              ``email`` is not an email address (``@`` written as `` at ``)
``missing-header``     the required ``x-correlation-id`` header is omitted
``extra-field``        the payload carries an undeclared ``internalId`` (additionalProperties
                       false)
``timestamp``          ``signedUpAt`` has no UTC offset (not an RFC 3339 date-time)
``reply-field``        the ``UserFound`` reply to a lookup lacks the required ``displayName``
``reply-correlation``  a lookup reply carries a fresh ``x-correlation-id``, not the request's
=====================  =======================================================================
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from signup_service.store import User

SUBJECT_SIGNED_UP = "user/signedup"
"""Channel ``userSignedUp``: the service sends ``UserSignedUp`` here (address used as subject)."""
SUBJECT_DELETE = "user/delete"
"""Channel ``userDelete``: the service receives ``DeleteUser`` commands here."""
SUBJECT_LOOKUP = "user/lookup"
"""Channel ``userLookup``: the service answers ``LookupUser`` requests on their reply subject
(operation ``answerUserLookup``: ``UserFound`` or ``UserNotFound``)."""
CORRELATION_HEADER = "x-correlation-id"
SCHEMA_VERSION = 1
PLANS = ("free", "pro", "enterprise")
BROKEN_VARIANTS = (
    "email",
    "missing-header",
    "extra-field",
    "timestamp",
    "reply-field",
    "reply-correlation",
)


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the outbox: subject, JSON body, NATS headers (strings)."""

    subject: str
    payload: bytes
    headers: dict[str, str]


def timestamp(when: datetime) -> str:
    """``when`` (timezone-aware) as an RFC 3339 date-time in milliseconds, UTC as ``Z``."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_broken(value: str | None) -> str | None:
    """``value`` if it names a broken variant (or is empty/None); ValueError otherwise."""
    if not value:
        return None
    if value not in BROKEN_VARIANTS:
        raise ValueError(
            f"unknown broken variant {value!r} (SIGNUP_BROKEN); "
            f"choose one of: {', '.join(BROKEN_VARIANTS)}"
        )
    return value


def user_signed_up(
    user_id: str,
    email: str,
    display_name: str,
    plan: str | None,
    signed_up_at: datetime,
    *,
    broken: str | None = None,
) -> Outgoing:
    """The ``UserSignedUp`` event for a new user (``signed_up_at`` must be timezone-aware)."""
    when = timestamp(signed_up_at)
    payload: dict[str, object] = {
        "userId": user_id,
        "email": email.replace("@", " at ") if broken == "email" else email,
        "displayName": display_name,
        "signedUpAt": when[:23] if broken == "timestamp" else when,
    }
    if plan is not None:
        payload["plan"] = plan
    if broken == "extra-field":
        payload["internalId"] = 42
    headers = {CORRELATION_HEADER: str(uuid.uuid4()), "x-schema-version": str(SCHEMA_VERSION)}
    if broken == "missing-header":
        del headers[CORRELATION_HEADER]
    return Outgoing(SUBJECT_SIGNED_UP, json.dumps(payload).encode(), headers)


def delete_user_id(body: bytes) -> str:
    """The ``userId`` of a ``DeleteUser`` command; ValueError saying what is wrong."""
    return _user_id("DeleteUser", body)


def lookup_user_id(body: bytes) -> str:
    """The ``userId`` of a ``LookupUser`` request; ValueError saying what is wrong."""
    return _user_id("LookupUser", body)


def lookup_reply(
    user_id: str, user: User | None, correlation_id: str | None, *, broken: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The reply to a ``LookupUser`` request (body, NATS headers): ``UserFound`` with the
    user's account, or ``UserNotFound`` when ``user`` is None. The reply carries the request's
    ``x-correlation-id`` (a fresh one when the request had none)."""
    payload: dict[str, object] = {"found": user is not None, "userId": user_id}
    if user is not None:
        payload.update(
            email=user.email, displayName=user.display_name, signedUpAt=user.signed_up_at
        )
        if user.plan is not None:
            payload["plan"] = user.plan
        if broken == "reply-field":
            del payload["displayName"]
    if broken == "reply-correlation" or not correlation_id:
        correlation_id = str(uuid.uuid4())
    headers = {CORRELATION_HEADER: correlation_id, "x-schema-version": str(SCHEMA_VERSION)}
    return json.dumps(payload).encode(), headers


def _user_id(name: str, body: bytes) -> str:
    try:
        command = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{name} is not JSON: {error}") from None
    user_id = command.get("userId") if isinstance(command, dict) else None
    if not isinstance(user_id, str):
        raise ValueError(f"{name} needs a string userId, got {body[:200]!r}")
    return user_id
