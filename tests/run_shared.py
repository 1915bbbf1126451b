"""What the processes of one test run share: pytest-xdist runs the suite in several worker processes
(README › Running the tests), and an expensive thing — the indexed plans, the notices' knowledge bases,
the PostgreSQL server — is built once per run by the first worker that needs it, the others waiting
for it under a file lock, instead of once per worker.

The run's folder is made by the main pytest process before the workers start (conftest.py) and named
in TUANWU_TEST_RUN_DIR, which the workers inherit; it is removed when the run ends.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

RUN_DIR = "TUANWU_TEST_RUN_DIR"


def run_dir() -> Path:
    return Path(os.environ[RUN_DIR])


@contextmanager
def exclusive(lock: Path) -> Iterator[None]:
    """Held by one process at a time (an advisory lock on `lock`, released when the block ends or the
    process dies)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(name: str, build: Callable[[Path], None]) -> Path:
    """The run's folder `name`, filled by `build(folder)` in the first process that asks; the others
    wait for it and find it done. A build that fails leaves nothing behind (the next one tries again)."""
    folder = run_dir() / name
    done = folder / ".done"
    with exclusive(run_dir() / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            try:
                build(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            done.touch()
    return folder
