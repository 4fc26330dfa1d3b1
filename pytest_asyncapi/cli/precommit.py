"""Pre-commit helpers (see ``.pre-commit-hooks.yaml``): ``diff`` against a base git ref.

``python -m pytest_asyncapi.cli.precommit diff [--base REF] [--mode M] FILE...`` compares each
staged AsyncAPI document with its version at ``REF`` (default ``origin/main``) by
``asyncapi-contract diff``. The base tree is read with ``git archive``, so ``$ref``s to other
files resolve as they were at the base. Exit 1 when a change is breaking; with
``--fail-on-review`` also when a change needs review; a file new since the base is skipped.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_asyncapi.cli.precommit")
    commands = parser.add_subparsers(dest="command", required=True)
    diff = commands.add_parser("diff", help="diff documents against their version at a git ref")
    diff.add_argument("files", nargs="*", type=Path, metavar="FILE")
    diff.add_argument("--base", default="origin/main", help="git ref to compare with")
    diff.add_argument("--mode", choices=("auto", "backward", "forward", "full"), default="auto")
    diff.add_argument("--fail-on-review", action="store_true", help="exit 1 on needs-review")
    args = parser.parse_args(argv)
    return _diff(args.files, args.base, args.mode, args.fail_on_review)


def _git(*argv: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *argv], cwd=cwd, capture_output=True, check=False)


def _diff(files: Sequence[Path], base: str, mode: str, fail_on_review: bool) -> int:
    from pytest_asyncapi.cli import main as cli
    from pytest_asyncapi.cli.output import EXIT_UNCHECKED

    if not files:
        return 0
    top = _git("rev-parse", "--show-toplevel", cwd=Path.cwd())
    if top.returncode != 0:
        print(f"asyncapi diff: not inside a git repository: {top.stderr.decode().strip()}")
        return 2
    root = Path(top.stdout.decode().strip())
    archive = _git("archive", "--format=tar", base, cwd=root)
    if archive.returncode != 0:
        print(f"asyncapi diff: cannot read {base!r}: {archive.stderr.decode().strip()}")
        print("hint: fetch the base branch, or pass --base REF (a branch, tag or commit)")
        return 2
    worst = 0
    with tempfile.TemporaryDirectory(prefix="asyncapi-base-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        for file in files:
            relative = file.resolve().relative_to(root)
            old = Path(folder) / relative
            if not old.exists():
                print(f"{file}: new since {base}, nothing to compare")
                continue
            print(f"{file}: compared with {base}")
            code = cli.main(["diff", str(old), str(file), "--mode", mode])
            if code == EXIT_UNCHECKED and not fail_on_review:
                code = 0
            worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
