"""How far a long background job has got, in a small file beside it (imports, reconciliations).

Such a job runs in one database transaction, so an update of its record would stay invisible to the page that
follows it until the commit (and SQLite allows no second writer meanwhile): the numbers go to a file instead,
written whole (the page never reads a half-written one) and at most once a ``seconds``.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path


def write(path: Path, *numbers: int) -> None:
    """Replace the file's numbers at once (a partial file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(" ".join(str(number) for number in numbers))
    os.replace(partial, path)


def read(path: Path) -> tuple[int, ...] | None:
    """The numbers last written, or None when there are none yet (or the file is being replaced)."""
    with contextlib.suppress(OSError, ValueError):
        return tuple(int(part) for part in path.read_text().split())
    return None


class Throttled:
    """Write the numbers at most once a ``seconds`` (counted from creation); ``force`` writes them anyway."""

    def __init__(self, path: Path, seconds: float):
        self.path, self.seconds, self.last = path, seconds, time.monotonic()

    def __call__(self, *numbers: int, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.seconds:
            self.last = now
            write(self.path, *numbers)
