"""Size-based rotation of the log files `sciday up` writes (issue 24): var/log/<process>.log.

Each child writes its own file, opened for appending, so the supervisor rotates them as
logrotate's ``copytruncate`` does: past ``log_max_bytes`` the file is copied to ``.1`` (older
copies shift up to ``log_backups``, the oldest is dropped) and truncated in place; the child
goes on writing at the start of the emptied file.  A line written between the copy and the
truncation can be lost; nothing else is.  In containers the runtime's log driver rotates.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def rotate(path: Path, max_bytes: int, backups: int) -> bool:
    """Rotate ``path`` if it is larger than ``max_bytes``; True when it did."""
    try:
        if max_bytes <= 0 or path.stat().st_size <= max_bytes:
            return False
    except FileNotFoundError:
        return False
    if backups > 0:
        for n in range(backups - 1, 0, -1):
            older = path.with_name(f"{path.name}.{n}")
            if older.exists():
                older.replace(path.with_name(f"{path.name}.{n + 1}"))
        shutil.copyfile(path, path.with_name(f"{path.name}.1"))
    with open(path, "r+b") as fh:
        fh.truncate(0)
        os.fsync(fh.fileno())
    return True


def rotate_all(folder: Path, max_bytes: int, backups: int) -> list[Path]:
    return [p for p in sorted(folder.glob("*.log")) if rotate(p, max_bytes, backups)]
