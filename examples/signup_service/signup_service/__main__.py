"""``python -m signup_service --db PATH``: run the service until SIGTERM/SIGINT.

The NATS URL comes from ``NATS_URL`` (default ``nats://127.0.0.1:4222``). Prints
``signup-service ready`` on stdout once subscribed. Exit codes: 0 after a graceful shutdown,
1 when the service cannot start or the outbox could not be drained in time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

from nats.errors import Error as NatsError

from signup_service.service import ShutdownIncomplete, SignupService

log = logging.getLogger("signup_service")


async def run(db: str, url: str, fallback_interval: float) -> int:
    service = SignupService(db, url, fallback_interval=fallback_interval)
    try:
        await service.start()
    except (OSError, TimeoutError, NatsError) as error:
        log.error("cannot connect to NATS at %s: %s", url, error)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print("signup-service ready", flush=True)
    await stop.wait()
    log.info("signal received: shutting down")
    try:
        await service.stop()
    except ShutdownIncomplete as error:
        log.error("%s", error)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m signup_service", description=__doc__)
    parser.add_argument("--db", required=True, help="SQLite database file (created if missing)")
    parser.add_argument(
        "--fallback-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="relay poll interval when no commit woke it (default 5)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")
    return asyncio.run(run(args.db, url, args.fallback_interval))


if __name__ == "__main__":
    sys.exit(main())
