"""One aiosqlite connection per process, versioned migrations, and serialised transactions."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


def _migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in storage/migrations, in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two migrations share a version number")
    return found


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds personal data)."""
    if str(path) == ":memory:" or path.exists():
        return
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


class Database:
    """The process's single connection; an asyncio lock keeps transactions from interleaving."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, run_migrations: bool = True) -> Database:
        """Open (creating with mode 0600) and migrate the database at `path`."""
        path = Path(path)
        _create_private(path)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # WAL with synchronous=NORMAL can lose the last commits on power loss, not on a process
        # crash; FULL keeps "a sent row is recorded" true even then, at a small cost per commit.
        await conn.execute("PRAGMA synchronous = FULL")
        for suffix in ("-wal", "-shm"):
            side = Path(str(path) + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        db = cls(conn, path)
        if run_migrations:
            await db.migrate()
        return db

    async def close(self) -> None:
        """Wait for the running transaction, then close."""
        async with self._lock:
            await self.conn.close()

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads, outside any other coroutine's transaction."""
        async with self._lock:
            yield self.conn

    async def migrate(self) -> list[int]:
        """Apply every migration not yet recorded, each in its own transaction."""
        async with self._lock:
            await self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            cur = await self.conn.execute("SELECT version FROM schema_version")
            done = {row[0] for row in await cur.fetchall()}
            applied = []
            for version, name, sql in _migration_files():
                if version in done:
                    continue
                # executescript would COMMIT implicitly; split statements to keep one transaction.
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _split_sql(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(
                        "INSERT INTO schema_version(version, name, applied_at) VALUES (?, ?, ?)",
                        (version, name, datetime.now(UTC).isoformat()),
                    )
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
                await self.conn.execute("COMMIT")
                log.info("applied migration %s", name)
                applied.append(version)
            return applied

    async def integrity_ok(self) -> bool:
        """SQLite's own integrity check."""
        async with self.read() as conn:
            cur = await conn.execute("PRAGMA integrity_check")
            row = await cur.fetchone()
            return row is not None and row[0] == "ok"

    async def backup(self, target: Path | str) -> None:
        """A consistent online copy (SQLite backup API) while the bot keeps running."""
        target = Path(target)
        _create_private(target)

        def _copy(src: sqlite3.Connection) -> None:
            dst = sqlite3.connect(str(target))
            try:
                src.backup(dst, pages=256)
            finally:
                dst.close()

        async with self._lock:
            await self.conn._execute(_copy, self.conn._conn)  # runs on the connection's thread


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (our migrations have no semicolons inside literals)."""
    statements, buf = [], []
    for line in script.splitlines():
        stripped = line.split("--", 1)[0]
        buf.append(stripped)
        if stripped.rstrip().endswith(";"):
            statement = "\n".join(buf).strip()
            if sqlite3.complete_statement(statement):
                statements.append(statement)
                buf = []
    rest = "\n".join(buf).strip()
    if rest:
        statements.append(rest)
    return statements


async def migrate(path: Path | str) -> list[int]:
    """Open the database, apply pending migrations, close; returns the versions applied."""
    db = await Database.open(path, run_migrations=False)
    try:
        return await db.migrate()
    finally:
        await db.close()


@asynccontextmanager
async def savepoint(conn: aiosqlite.Connection, name: str = "row") -> AsyncIterator[None]:
    """Isolate one row's work inside a batch transaction: its failure undoes only itself."""
    await conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        await conn.execute(f"ROLLBACK TO {name}")
        await conn.execute(f"RELEASE {name}")
        raise
    else:
        await conn.execute(f"RELEASE {name}")
