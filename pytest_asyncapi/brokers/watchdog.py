"""A local broker never outlives the process that started it: run as ``python watchdog.py``.

``python -I -S watchdog.py WORKDIR SIGNAL COMMAND...`` starts COMMAND (the broker) in WORKDIR
and reads its own standard input, a pipe whose only writer is the process that started it
(pytest, the CLI). End of file there means that process is gone — however it ended: SIGTERM,
SIGKILL, ``os._exit`` (pytest-timeout's thread method) — or is stopping the broker: the
watchdog stops the broker (the signal numbered SIGNAL, then SIGKILL after 5 s) and exits with
the broker's status. If the parent wrote ``k`` before closing (an orderly stop), WORKDIR is
left for it to read the log and remove; otherwise the watchdog removes it, so no temp dir
accumulates.

On Linux the broker also gets a parent-death signal (``PR_SET_PDEATHSIG``), so it dies even if
the watchdog itself is killed. The broker's pid is written to ``WORKDIR/broker.pid``. Stdlib
only, imports nothing of the package and only what starting the broker needs before it does
(``shutil`` when a temp dir is removed), so the broker starts a few milliseconds after it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

KEEP = b"k"
"""Written by the parent before closing the pipe: an orderly stop, the parent cleans up."""
PID_FILE = "broker.pid"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the watchdog dies (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _stop(child: subprocess.Popen[bytes], signum: int) -> None:
    """``signum`` now, SIGKILL in 5 s if still running (only the main thread waits for it)."""
    child.send_signal(signum)
    killer = threading.Timer(5, child.kill)
    killer.daemon = True
    killer.start()


def main(argv: list[str]) -> int:
    workdir, stop_signal, command = argv[1], int(argv[2]), argv[3:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    child = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, cwd=workdir, preexec_fn=_die_with_parent
    )
    with open(os.path.join(workdir, PID_FILE), "w") as pid_file:
        pid_file.write(str(child.pid))
    orphaned = threading.Event()

    def watch() -> None:
        keep = False
        while data := os.read(0, 64):
            keep = keep or KEEP in data
        if not keep:
            orphaned.set()
        _stop(child, stop_signal)

    def on_term(signum: int, frame: object) -> None:
        orphaned.set()
        _stop(child, stop_signal)

    signal.signal(signal.SIGTERM, on_term)
    threading.Thread(target=watch, daemon=True).start()
    code = child.wait()
    if orphaned.is_set():
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    os._exit(main(sys.argv))  # no interpreter teardown: the broker is gone, nothing to flush
