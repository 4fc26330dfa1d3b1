"""The messages of the contract (``sample_specs/user-signup-3.0.yaml``) and their encoding.

``broken`` selects a deliberately wrong encoding, so that the project's own tests can check
that a contract test fails with the right message. Each variant breaks the contract, not the
business fields the example's tests assert on (except ``email``, which changes the email):

=================  ===========================================================================
``email``          ``email`` is not an email address (``@`` written as `` at ``)
``missing-header`` the required ``x-correlation-id`` header is omitted
``extra-field``    the payload carries an undeclared ``internalId`` (additionalProperties false)
``timestamp``      ``signedUpAt`` has no UTC offset (not an RFC 3339 date-time)
=================  ===========================================================================
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

SUBJECT_SIGNED_UP = "user/signedup"
"""Channel ``userSignedUp``: the service sends ``UserSignedUp`` here (address used as subject)."""
SUBJECT_DELETE = "user/delete"
"""Channel ``userDelete``: the service receives ``DeleteUser`` commands here."""
SCHEMA_VERSION = 1
PLANS = ("free", "pro", "enterprise")
BROKEN_VARIANTS = ("email", "missing-header", "extra-field", "timestamp")


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the outbox: subject, JSON body, NATS headers (strings)."""

    subject: str
    payload: bytes
    headers: dict[str, str]


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
    when = signed_up_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
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
    headers = {"x-correlation-id": str(uuid.uuid4()), "x-schema-version": str(SCHEMA_VERSION)}
    if broken == "missing-header":
        del headers["x-correlation-id"]
    return Outgoing(SUBJECT_SIGNED_UP, json.dumps(payload).encode(), headers)


def delete_user_id(body: bytes) -> str:
    """The ``userId`` of a ``DeleteUser`` command; ValueError saying what is wrong."""
    try:
        command = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"DeleteUser is not JSON: {error}") from None
    user_id = command.get("userId") if isinstance(command, dict) else None
    if not isinstance(user_id, str):
        raise ValueError(f"DeleteUser needs a string userId, got {body[:200]!r}")
    return user_id
