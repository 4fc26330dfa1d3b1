"""A local broker dies with the pytest process that started it, however that process ends.

A real pytest runs in a subprocess with its own TMPDIR, starts a local nats-server or Tansu,
reports the broker's pid and temp dir, and blocks; it is then ended by SIGTERM, by SIGKILL, or
by pytest-timeout's thread method (``os._exit``). The broker must be gone and its temp dir
removed: waited for on a pidfd (no polling), with a deadline.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.plugin_runs import SAMPLES

SPECS = {"nats": "user-signup-3.0.yaml", "kafka": "orders-kafka.yaml"}
INNER = '''
import os, threading
from pathlib import Path

def broker_pid(port):
    """The process listening as the broker: the one whose command line names the port."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\\0")
            except OSError:
                continue
            names_port = any(a == b"%d" % port or a.endswith(b":%d" % port) for a in argv)
            if names_port and not any(a.endswith(b"watchdog.py") for a in argv):
                return int(entry.name)
    raise AssertionError("no broker process found")

def test_blocks(asyncapi_broker):
    port = int(asyncapi_broker.url.rsplit(":", 1)[1])
    pid = broker_pid(port)
    print("BROKER", pid, os.readlink(f"/proc/{pid}/cwd"), flush=True)
    threading.Event().wait()  # until this process is ended from outside
'''


def wait_for_exit(pid: int, timeout: float) -> bool:
    """True once process ``pid`` has exited (a pidfd turns readable), False after ``timeout``."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


def parent_of(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.mark.parametrize("protocol", ["nats", "kafka"])
@pytest.mark.parametrize("ending", ["SIGTERM", "SIGKILL", "timeout-thread"])
def test_broker_and_temp_dir_go_with_pytest(tmp_path: Path, protocol: str, ending: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    temp = tmp_path / "tmp"
    temp.mkdir()
    shutil.copy(SAMPLES / SPECS[protocol], project)
    (project / "test_inner.py").write_text(INNER)
    args = [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", "test_inner.py"]
    args += ["--asyncapi", SPECS[protocol], "--asyncapi-broker", "local"]
    if ending == "timeout-thread":
        args += ["-p", "timeout", "--timeout", "5", "--timeout-method", "thread"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NATS_", "KAFKA_", "ASYNC"))}
    pid = 0
    inner = subprocess.Popen(
        args, cwd=project, env={**env, "TMPDIR": str(temp)}, stdout=subprocess.PIPE, text=True
    )
    try:
        assert inner.stdout is not None
        line = next((line for line in inner.stdout if line.startswith("BROKER ")), None)
        assert line is not None, "the inner pytest never reported its broker"
        _, pid_text, workdir_text = line.split()
        pid, workdir = int(pid_text), Path(workdir_text)
        assert workdir.parent == temp
        keeper = parent_of(pid)  # pytest itself, or the process that watches the broker
        if ending != "timeout-thread":
            inner.send_signal(getattr(signal, ending))
        assert inner.wait(60) != 0
        assert wait_for_exit(pid, 30), f"the {protocol} broker {pid} outlived pytest"
        assert wait_for_exit(keeper, 30), "the broker's watchdog outlived pytest"
        assert not workdir.exists(), f"{workdir} was left behind"
        assert list(temp.glob("pytest-asyncapi-*")) == []
    finally:
        if inner.poll() is None:
            inner.kill()
            inner.wait()
        if inner.stdout is not None:
            inner.stdout.close()
        if pid and not wait_for_exit(pid, 0):  # a survivor (the bug) must not outlive the test
            os.kill(pid, signal.SIGKILL)
