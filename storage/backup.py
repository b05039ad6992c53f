"""Backups that are verified before they say so, and restoring one in place of the database."""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import sqlite3
from pathlib import Path

from storage.db import Database, DatabaseProblem, create_private, highest_migration


async def backup(db: Database, target: Path | str, *, replace: bool = False) -> dict[str, int]:
    """A verified, consistent online copy while the bot keeps running; its row counts.

    The copy is written next to `target` under a temporary name, synced, reopened,
    integrity-checked and its row counts compared with the live database's at the same
    moment; only then does it take `target`'s name (an atomic rename), so a failed backup
    leaves no half file and never touches what `target` was. Raises BackupError.
    """
    target = Path(target)
    check_backup_target(db.path, target, replace=replace)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        partial.unlink(missing_ok=True)
        create_private(partial)
        counts = await db.on_connection_thread(_copy_counted, partial)
        await asyncio.to_thread(verify_copy, partial, counts)
        os.replace(partial, target)
        _fsync_dir(target.parent)
    except (OSError, sqlite3.Error, DatabaseProblem, BackupError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup to {target} failed: {exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


class BackupError(Exception):
    """A backup or restore that did not happen; one line for the operator (exit code 1)."""

    exit_code = 1


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or the same inode on a device."""
    if a.resolve() == b.resolve():
        return True
    try:
        sa, sb = a.stat(), b.stat()
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_backup_target(live: Path, target: Path, *, replace: bool) -> None:
    """Refuse a target that is the live database or its WAL/SHM, not a regular file, or that
    exists when `replace` was not asked for."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        if _same_file(Path(str(live) + suffix), target):
            raise BackupError(f"{target} is the live database{' ' + suffix if suffix else ''}")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise BackupError(f"{target} is not a regular file; choose a file name")
    if target.exists() and not replace:
        raise BackupError(f"{target} exists; use --force to overwrite it")
    if not target.parent.is_dir():
        raise BackupError(f"folder {target.parent} does not exist")


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows of every table, by name."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}


def _copy_counted(src: sqlite3.Connection, target: Path) -> dict[str, int]:
    """Copy every page and count every table's rows in one read transaction (one snapshot)."""
    dst = sqlite3.connect(str(target))
    try:
        src.execute("BEGIN")
        try:
            counts = _table_counts(src)
            # All pages in one step, inside the same read transaction: a copy taken in several
            # steps starts over whenever another process (the running bot) commits between
            # them, and under steady writes might never finish.
            src.backup(dst, pages=-1)
        finally:
            src.execute("COMMIT")
        # The backup API leaves the copy in the source's journal mode; a single file is what an
        # operator moves around.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
    return counts


def verify_copy(path: Path, expected: dict[str, int] | None = None) -> dict[str, int]:
    """Sync `path` to disk, reopen it, check its integrity and row counts; raises BackupError."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()
            counts = _table_counts(conn)
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"the copy {path} cannot be read back: {exc}") from None
    if check is None or check[0] != "ok":
        raise BackupError(f"the copy {path} fails SQLite's integrity check: {check}")
    if expected is not None and counts != expected:
        differ = sorted(k for k in set(counts) | set(expected) if counts.get(k) != expected.get(k))
        raise BackupError(f"the copy's row counts differ from the database's: {', '.join(differ)}")
    return counts


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def hold_run_lock(path: Path) -> int:
    """The running bot's shared lock on its database file, held until the process ends.

    `flock` locks are separate from SQLite's own (fcntl) locks, so this changes nothing for
    SQLite; it only lets `silta restore` see that a bot is running. Returns the descriptor to
    keep open; raises DatabaseProblem while a restore holds the file.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseProblem(
            f"database {path} is being restored; start again afterwards"
        ) from None
    return fd


def take_restore_lock(path: Path) -> int | None:
    """An exclusive lock for a restore: None while a bot runs on `path` (or -1 without a file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _schema_version(path: Path) -> int:
    """The newest migration recorded in a database file (0 for none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if found is None:
            return 0
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0] or 0)
    finally:
        conn.close()


def restore_copy(backup: Path, live: Path, stamp: str) -> Path | None:
    """Put a checked copy of `backup` in place of `live`; the files it replaces are kept aside
    (renamed `<name>.before-restore-<stamp>`, with their -wal/-shm), and that name returned.

    The caller holds the restore lock. The old -wal goes aside with its database: left in
    place, SQLite would replay it into the restored file.
    """
    if _same_file(backup, live):
        raise BackupError(f"{backup} is the live database itself")
    if not backup.is_file():
        raise BackupError(f"{backup} is not a file")
    counts = verify_copy(backup)
    try:
        version = _schema_version(backup)
    except sqlite3.Error as exc:
        raise BackupError(f"{backup} cannot be read: {exc}") from None
    if version > highest_migration():
        raise BackupError(
            f"{backup} has schema version {version}, newer than this Silta knows "
            f"({highest_migration()})"
        )
    incoming = live.with_name(f".{live.name}.restoring-{os.getpid()}")
    incoming.unlink(missing_ok=True)
    try:
        create_private(incoming)
        with backup.open("rb") as src, incoming.open("r+b") as dst:
            shutil.copyfileobj(src, dst)
        verify_copy(incoming, counts)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    base = live.with_name(f"{live.name}.before-restore-{stamp}")
    aside = base if live.exists() else None
    if aside is not None:
        os.replace(live, aside)
    for suffix in ("-wal", "-shm"):
        side = Path(str(live) + suffix)
        if side.exists():
            os.replace(side, Path(str(base) + suffix))
    os.replace(incoming, live)
    _fsync_dir(live.parent)
    return aside
