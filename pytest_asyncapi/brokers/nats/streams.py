"""JetStream streams a session declares up front (``--asyncapi-nats-stream NAME=SUBJECTS``).

For services that only ``js.publish`` into streams someone else created: the plugin creates
them before the first test, with the session's auth and TLS. A stream that already exists
with the same subjects is kept as it is. Services that create their own streams need nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_asyncapi.errors import BrokerError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["declare_streams"]

_HINT_NO_JETSTREAM = (
    "pass --asyncapi-jetstream (ini asyncapi_jetstream) so the plugin's broker runs "
    "JetStream, or enable JetStream on the server you gave"
)


def declare_streams(
    url: str,
    streams: Mapping[str, tuple[str, ...]],
    *,
    connect: Mapping[str, Any] | None = None,
    timeout: float = 10.0,
) -> None:
    """Create every stream in ``streams`` (name -> subjects) on the server at ``url``."""
    if not streams:
        return
    import asyncio
    import threading

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(_declare(url, streams, connect or {}), timeout))
        except BaseException as exc:  # handed to the calling thread
            failure.append(exc)

    # A thread of its own: the caller may be inside a running event loop (async tests).
    thread = threading.Thread(target=run, name="pytest-asyncapi-streams", daemon=True)
    thread.start()
    thread.join()
    if failure:
        error = failure[0]
        if isinstance(error, BrokerError):
            raise error
        raise BrokerError(
            f"could not create the JetStream streams {', '.join(streams)}: "
            f"{str(error) or type(error).__name__}",
            hint=_HINT_NO_JETSTREAM,
        ) from None


async def _declare(url: str, streams: Mapping[str, tuple[str, ...]], connect: Any) -> None:
    import nats
    from nats.js.errors import BadRequestError, NoStreamResponseError, ServiceUnavailableError

    client = await nats.connect([s.strip() for s in url.split(",")], **connect)
    try:
        js = client.jetstream()
        for name, subjects in streams.items():
            try:
                await js.add_stream(name=name, subjects=list(subjects))
            except (NoStreamResponseError, ServiceUnavailableError):
                raise BrokerError(
                    f"the NATS server has no JetStream, so stream {name} cannot be created",
                    hint=_HINT_NO_JETSTREAM,
                ) from None
            except BadRequestError as exc:
                raise BrokerError(
                    f"JetStream refused stream {name} with subjects {', '.join(subjects)}: "
                    f"{exc.description or exc}",
                    hint="a stream of that name with other settings, or another stream "
                    "holding these subjects, already exists: fix --asyncapi-nats-stream",
                ) from None
    finally:
        await client.close()
