"""One aiosqlite connection per process, versioned migrations, and serialised transactions."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Rows a statement's answer carries back from the database thread with it (see _Connection).
PREFETCH_ROWS = 256
# Statement batches at least this long run on aiosqlite's thread (see _DirectConnection).
THREAD_BATCH = 20


def _execute_prefetch(
    conn: sqlite3.Connection, sql: str, parameters: Any
) -> tuple[sqlite3.Cursor, list[Any]]:
    """Run a statement and read its first rows in the same trip to the database thread."""
    cursor = conn.execute(sql, parameters)
    rows = cursor.fetchmany(PREFETCH_ROWS) if cursor.description is not None else []
    return cursor, rows


class _Cursor(aiosqlite.Cursor):
    """A cursor that already holds its first rows, so fetchone/fetchall need no second trip."""

    def __init__(self, conn: aiosqlite.Connection, cursor: sqlite3.Cursor, rows: list[Any]):
        super().__init__(conn, cursor)
        self._rows = deque(rows)
        # A full first helping means the statement may have more rows waiting.
        self._more = len(rows) == PREFETCH_ROWS

    async def fetchone(self) -> Any:
        if self._rows:
            return self._rows.popleft()
        if self._more:
            return await super().fetchone()
        return None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size if size is not None else self._cursor.arraysize
        taken = [self._rows.popleft() for _ in range(min(size, len(self._rows)))]
        if len(taken) < size and self._more:
            taken.extend(await super().fetchmany(size - len(taken)))
        return taken

    async def fetchall(self) -> list[Any]:
        taken = list(self._rows)
        self._rows.clear()
        if self._more:
            taken.extend(await super().fetchall())
            self._more = False
        return taken


class _Connection(aiosqlite.Connection):
    """aiosqlite, but `execute` brings the first rows back with it.

    Every await on aiosqlite is a round trip to its database thread (a queue, a thread wake-up
    and a loop wake-up: tens of microseconds, more when the loop is busy). The usual
    `await (await conn.execute(sql)).fetchone()` took two; this takes one.
    """

    @aiosqlite.context.contextmanager
    async def execute(self, sql: str, parameters: Any = None) -> aiosqlite.Cursor:
        """Execute a statement; its first PREFETCH_ROWS rows come back at once."""
        if parameters is None:
            parameters = []
        cursor, rows = await self._execute(_execute_prefetch, self._conn, sql, parameters)
        return _Cursor(self, cursor, rows)


class _DirectConnection(aiosqlite.Connection):
    """The process's sqlite3 connection called straight from the event loop's thread.

    Handed out only inside Database.tx(), which holds the database lock: aiosqlite's thread
    is idle then, so the two never touch the connection at the same time. Every await on it
    completes without suspending.
    """

    def __init__(self, raw: sqlite3.Connection, owner: aiosqlite.Connection) -> None:
        # No super().__init__(): this view has no thread of its own and owns nothing to close.
        self._connection = raw
        self._owner = owner
        self._running = True
        self._iter_chunk_size = 64

    def __del__(self) -> None:
        pass

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    @aiosqlite.context.contextmanager
    async def executemany(self, sql: str, parameters: Iterable[Any]) -> aiosqlite.Cursor:
        """A long statement batch goes to aiosqlite's thread: SQLite lets go of the GIL while
        it writes, so the loop goes on sending meanwhile (a dispatch group's "sent" records
        were a tenth of the loop's time). One round trip; a short batch stays here."""
        params = parameters if isinstance(parameters, list) else list(parameters)
        if len(params) < THREAD_BATCH:
            return aiosqlite.Cursor(self, self._connection.executemany(sql, params))
        cursor = await self._owner._execute(self._connection.executemany, sql, params)
        return aiosqlite.Cursor(self, cursor)


def _fetch_all(conn: sqlite3.Connection, sql: str, parameters: Any) -> list[Any]:
    return conn.execute(sql, parameters).fetchall()


async def long_statement(conn: aiosqlite.Connection, sql: str, parameters: Any = ()) -> list[Any]:
    """Run one statement that does much in SQLite itself and return its rows (none for a plain
    UPDATE): inside Database.tx() on aiosqlite's thread, in one round trip.

    SQLite lets go of the GIL for the whole statement, so the loop goes on sending meanwhile;
    a statement batch instead takes the GIL back for every row's parameters and, on a busy
    loop, waits for it each time. Used by the dispatcher's claim and its group commit
    (storage.outbox), which were a third of the loop's own work per message in a burst."""
    if isinstance(conn, _DirectConnection):
        return await conn._owner._execute(_fetch_all, conn._connection, sql, parameters)  # type: ignore[no-any-return]
    cur = await conn.execute(sql, parameters)
    return list(await cur.fetchall())


def _connect(path: Path) -> aiosqlite.Connection:
    """Like aiosqlite.connect (autocommit mode: transactions are explicit), with _Connection."""

    def connector() -> sqlite3.Connection:
        # check_same_thread=False lets Database.tx() use the connection from the loop's
        # thread; the database lock keeps the two threads from ever using it at once.
        return sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)

    return _Connection(connector, 64)


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


class DatabaseProblem(Exception):
    """The database cannot be used; the message is one line for the operator.

    `exit_code` is the command's exit status (README's table lists them): 2 for a path the
    operator can fix like any other setting.
    """

    exit_code = 2


class DatabaseCorrupt(DatabaseProblem):
    """Not an SQLite database, or a damaged one: restore a backup."""

    exit_code = 3


class DatabaseTooNew(DatabaseProblem):
    """Written by a newer Silta (a migration this code does not know): never touch it."""

    exit_code = 4


class DiskFull(DatabaseProblem):
    """The disk (or the file system's quota) is full."""

    exit_code = 7


def explain(exc: sqlite3.Error, path: Path | str) -> DatabaseProblem:
    """An SQLite error as the operator's one line, with its exit code."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and "full" in text:
        return DiskFull(f"database {path}: the disk is full ({text}); free some space")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseCorrupt(f"database {path} is damaged ({text}); restore a backup")
    return DatabaseProblem(f"cannot use database {path}: {text}")


def highest_migration() -> int:
    """The newest schema version this code knows."""
    return max(v for v, _, _ in _migration_files())


def create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds personal data)."""
    if str(path) == ":memory:" or path.exists():
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise DatabaseProblem(f"cannot create database {path}: {exc.strerror}") from None
    os.close(fd)


def _private_sidecars(path: Path) -> None:
    """The WAL and shared-memory files hold the same personal data: owner only, too."""
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if side.exists():
            os.chmod(side, 0o600)


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
        create_private(path)
        try:
            conn = await _connect(path)
        except sqlite3.Error as exc:
            raise explain(exc, path) from None
        try:
            db = await cls._prepare(conn, path)
            if run_migrations:
                await db.migrate()
            else:
                await db.check_version()
        except BaseException as exc:
            # An open connection keeps aiosqlite's (non-daemon) thread alive: a failed start
            # would hang the process instead of exiting.
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise explain(exc, path) from None
            raise
        return db

    @classmethod
    async def _prepare(cls, conn: aiosqlite.Connection, path: Path) -> Database:
        """Set the connection's pragmas; the first read tells a damaged file at once."""
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        # WAL with synchronous=NORMAL can lose the last commits on power loss, not on a process
        # crash; FULL keeps "a sent row is recorded" true even then, at a small cost per commit.
        await conn.execute("PRAGMA synchronous = FULL")
        # Deleted and overwritten personal data is zeroed in the file, not left in free space.
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.execute("SELECT count(*) FROM sqlite_master")
        _private_sidecars(path)
        return cls(conn, path)

    async def check_version(self) -> None:
        """Refuse a database a newer Silta has migrated: this code would misread it."""
        cur = await self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        )
        if await cur.fetchone() is None:
            return
        cur = await self.conn.execute("SELECT max(version) FROM schema_version")
        row = await cur.fetchone()
        newest = highest_migration()
        if row is not None and row[0] is not None and int(row[0]) > newest:
            raise DatabaseTooNew(
                f"database {self.path} has schema version {row[0]}, newer than this Silta "
                f"knows ({newest}); run the newer Silta or restore an older backup"
            )

    async def close(self) -> None:
        """Wait for the running transaction, then close."""
        async with self._lock:
            await self.conn.close()

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error.

        Its statements run on the event loop's thread: an indexed statement takes microseconds,
        while a round trip to aiosqlite's thread costs a loop wake-up each, and on a busy loop
        (a dispatch burst) that is milliseconds, all of them with the database lock held: a
        button press then waited seconds for it (bench/README.md). BEGIN, which may wait for
        another process's lock, and COMMIT, which waits for the disk, still go to the
        database thread so the loop never blocks on them. Long scans belong in slow_read().
        """
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield _DirectConnection(self.conn._conn, self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for short reads (statements on the loop's thread, as in tx())."""
        async with self._lock:
            yield _DirectConnection(self.conn._conn, self.conn)

    @asynccontextmanager
    async def slow_read(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection for reads that scan a lot (statistics, every client's id, a
        checkpoint): they run on aiosqlite's thread, so the loop answers people meanwhile."""
        async with self._lock:
            yield self.conn

    async def migrate(self) -> list[int]:
        """Apply every migration not yet recorded, each in its own transaction."""
        await self.check_version()
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

    async def on_connection_thread(self, fn: Any, *args: Any) -> Any:
        """Run `fn(raw sqlite3 connection, *args)` on the connection's thread, under the lock."""
        async with self._lock:
            return await self.conn._execute(fn, self.conn._conn, *args)


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
