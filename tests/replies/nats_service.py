"""A user-lookup service on NATS for the request/reply tests (copied into pytester runs).

It answers ``users.lookup`` requests on their reply subject, copying ``x-correlation-id``;
the requested ``userId`` picks a misbehaviour: ``bad`` (invalid email), ``silent`` (no
reply), ``other-id`` (wrong correlation ID), ``no-id`` (no correlation ID). ``ask`` is
another service asking with nats-py's own ``request`` (an ``_INBOX.`` reply subject).
"""

import asyncio
import json
import os
import threading

import nats


class LookupService:
    def __init__(self, url):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.call(self._start(url))

    def call(self, work):
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(30)

    async def _start(self, url):
        self.nc = await nats.connect(url)
        await self.nc.subscribe("users.lookup", cb=self._answer)
        await self.nc.flush()  # the server has the subscription: requests from now on are seen

    async def _answer(self, msg):
        headers = msg.headers or {}
        user = json.loads(msg.data)["userId"]
        if user == "silent":
            return
        reply = {
            "userId": user,
            "email": "not-an-email" if user == "bad" else f"{user}@example.com",
        }
        out = {"x-correlation-id": headers.get("x-correlation-id", "")}
        if user == "other-id":
            out["x-correlation-id"] = "someone-else"
        if user == "no-id":
            out = None
        await self.nc.publish(msg.reply, json.dumps(reply).encode(), headers=out)
        await self.nc.flush()

    def close(self):
        self.call(self.nc.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


def ask(user, correlation="c-1"):
    """A request from another service (nats-py's request: its own _INBOX reply subject)."""

    async def go():
        nc = await nats.connect(os.environ["NATS_URL"])
        try:
            reply = await nc.request(
                "users.lookup",
                json.dumps({"userId": user}).encode(),
                timeout=10,
                headers={"x-correlation-id": correlation},
            )
            return json.loads(reply.data)
        finally:
            await nc.close()

    return asyncio.run(go())
