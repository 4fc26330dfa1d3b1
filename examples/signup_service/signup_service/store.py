"""SQLite storage: the users table and the transactional outbox.

A sign-up writes the user row and its ``UserSignedUp`` outbox row in ONE transaction, so an
event exists exactly when the user does. The relay later publishes outbox rows in id order and
deletes them once the broker has them. WAL mode lets several processes share the file (another
instance may write sign-ups that this one relays).

Calls are synchronous: each is a short local transaction, cheap enough to run on the event
loop of a small service.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from signup_service.events import PLANS, Outgoing, timestamp, user_signed_up

if TYPE_CHECKING:
    from collections.abc import Sequence

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    plan TEXT,
    signed_up_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL,
    payload BLOB NOT NULL,
    headers TEXT NOT NULL
);
"""


class EmailTaken(ValueError):
    """A user with this email already exists."""


@dataclass(frozen=True)
class User:
    """A user's account; ``signed_up_at`` is the ``signedUpAt`` of its ``UserSignedUp``."""

    id: str
    email: str
    display_name: str
    plan: str | None
    signed_up_at: str


@dataclass(frozen=True)
class OutboxRow:
    id: int
    message: Outgoing


class Store:
    """One connection to the service's database (created with its tables if missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=5.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def sign_up(
        self,
        user_id: str,
        email: str,
        display_name: str,
        plan: str | None = None,
        *,
        broken: str | None = None,
    ) -> None:
        """Insert the user and its ``UserSignedUp`` outbox row in one transaction."""
        if not display_name:
            raise ValueError("display_name must not be empty")
        if plan is not None and plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; choose one of: {', '.join(PLANS)}")
        now = datetime.now(UTC)
        event = user_signed_up(user_id, email, display_name, plan, now, broken=broken)
        try:
            with self._db:
                self._db.execute(
                    "INSERT INTO users (id, email, display_name, plan, signed_up_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (user_id, email, display_name, plan, timestamp(now)),
                )
                self._db.execute(
                    "INSERT INTO outbox (subject, payload, headers) VALUES (?, ?, ?)",
                    (event.subject, event.payload, json.dumps(event.headers)),
                )
        except sqlite3.IntegrityError as error:
            if "users.email" in str(error):
                raise EmailTaken(f"a user with email {email!r} already exists") from None
            raise

    def user(self, user_id: str) -> User | None:
        row = self._db.execute(
            "SELECT id, email, display_name, plan, signed_up_at FROM users WHERE id = ?",
            (user_id,),
        ).fetchone()
        return None if row is None else User(*row)

    def delete_user(self, user_id: str) -> bool:
        """Delete a user; False when there was none (deleting twice is harmless)."""
        with self._db:
            cursor = self._db.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return cursor.rowcount > 0

    def unsent(self, limit: int = 100) -> list[OutboxRow]:
        """The oldest outbox rows not yet relayed, in commit order."""
        rows = self._db.execute(
            "SELECT id, subject, payload, headers FROM outbox ORDER BY id LIMIT ?", (limit,)
        ).fetchall()
        return [OutboxRow(i, Outgoing(s, bytes(p), json.loads(h))) for i, s, p, h in rows]

    def mark_sent(self, rows: Sequence[OutboxRow]) -> None:
        """Forget relayed rows (the broker has them)."""
        with self._db:
            self._db.executemany("DELETE FROM outbox WHERE id = ?", [(r.id,) for r in rows])

    def outbox_size(self) -> int:
        (count,) = self._db.execute("SELECT count(*) FROM outbox").fetchone()
        return int(count)

    def close(self) -> None:
        self._db.close()
