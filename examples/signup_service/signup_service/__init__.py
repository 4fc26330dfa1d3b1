"""A small user-signup service on NATS with a transactional outbox (a pytest-asyncapi example)."""

from __future__ import annotations

from signup_service.events import (
    BROKEN_VARIANTS,
    SUBJECT_DELETE,
    SUBJECT_LOOKUP,
    SUBJECT_SIGNED_UP,
)
from signup_service.service import ServiceStopping, ShutdownIncomplete, SignupService
from signup_service.store import EmailTaken, Store, User
from signup_service.threaded import ServiceThread

__all__ = [
    "BROKEN_VARIANTS",
    "SUBJECT_DELETE",
    "SUBJECT_LOOKUP",
    "SUBJECT_SIGNED_UP",
    "EmailTaken",
    "ServiceStopping",
    "ServiceThread",
    "ShutdownIncomplete",
    "SignupService",
    "Store",
    "User",
]
