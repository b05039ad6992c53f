"""Benchmark 3: cost as data grows.

``python -m bench.growth [--quick] [--claims-only | --plan-only] [--per-client]``
``[--synchronous FULL|NORMAL] [--without-client-index]``

1. Claiming a batch of 100 due rows (the dispatcher's claim transaction, commit included, and
   the `next_due` query the dispatcher sleeps on) with 1k, 10k, 100k and 1M rows in the outbox.
   Like a real outbox, most rows are sent, dropped or failed (so in outbox_history, as the
   app moves them), a few per client are planned for later, and 2,000 are due now. Goal:
   flat, the 1M figure within 1.3x the 1k figure.
2. The planner's daily run (planner.plan_all) over 1k, 10k and 100k joined clients, every fifth
   with an appointment and a deadline: the first run (empty outbox) and the daily re-run (rows
   already planned). Goal: linear or better.

Tables are built with plain sqlite3 executemany (benchmark tooling, not the app).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench import common
from bot.clock import FakeClock, utc_iso
from bot.core import Core
from bot.scheduling import planner
from storage import outbox
from storage import people as people_repo
from storage.db import Database

CLAIM = 100
CLAIMS = 20  # claims of 100 the due rows make (fewer when the outbox is too small for them)
SAMPLES = 60  # claims measured per size
ROUNDS = 6  # ...in this many rounds over every size
SHARES = (("sent", 0.80), ("dropped", 0.10), ("failed", 0.01))  # the rest: pending, due later
# ...but no more rows planned for later than a lived-in outbox holds per client (the next
# check-in, a few reminders, their timers): the rest of a big outbox is history.
OPEN_PER_CLIENT = 4
KINDS = ("checkin", "client_notice", "appt_reminder", "nudge", "contact_due", "deadline_reminder")


HISTORY_COLUMNS = (
    "id, key, kind, client_id, worker_id, alert_id, ref_id, due_at, state, attempts, claimed_at, "
    "payload, chat_id, message_id, sent_at, reason, created_at, priority"
)


def due_count(total: int) -> int:
    return min(CLAIMS * CLAIM, total // 2)


def build_outbox(path: Path, total: int, clients: int = 2_000) -> None:
    """`total` rows of a lived-in outbox, finished ones in its history; due_count(total) due now.

    Rows are written in the order they were created, as the app writes them, so ids follow
    creation time. The rows due now were created together a day ago, each beside the two
    timers its question opened (a nudge and an answer deadline, long since done): that is how
    the dispatcher plans each client's next check-in while it sends today's. scatter() makes
    the worst case from it.
    """
    rng = random.Random(total)
    now = common.NOON
    due = due_count(total)
    others = total - due
    rows: list[tuple[datetime, str, str, datetime]] = []  # created, label, state, due_at
    counts = {label: round(others * share) for label, share in SHARES}
    counts["later"] = min(others - sum(counts.values()), OPEN_PER_CLIENT * clients)
    counts["sent"] = others - counts["later"] - counts["dropped"] - counts["failed"]
    # The due rows' companions come out of the sent rows.
    companions = min(2 * due, counts["sent"])
    counts["sent"] -= companions
    for label, count in counts.items():
        for _ in range(count):
            if label == "later":
                created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 14))
                rows.append((created, label, "pending", now + (now - created)))
            else:
                created = now - timedelta(minutes=rng.randint(60 * 24 * 2, 60 * 24 * 365))
                rows.append((created, label, label, created + timedelta(hours=rng.randint(1, 30))))
    burst = now - timedelta(days=1)
    for i in range(due):
        created = burst + timedelta(milliseconds=30 * i)
        rows.append((created, "due", "pending", now - timedelta(seconds=rng.randint(0, 600))))
        if i * 2 < companions:
            rows.append((created, "sent", "sent", created + timedelta(hours=3)))
        if i * 2 + 1 < companions:
            rows.append((created, "sent", "sent", created + timedelta(hours=6)))
    rows.sort(key=lambda r: r[0])
    db = sqlite3.connect(path)
    try:
        # Bench tooling: a big page cache and no fsync while filling the table.
        db.execute("PRAGMA cache_size = -262144")
        db.execute("PRAGMA synchronous = OFF")
        db.executemany(
            "INSERT INTO outbox(key, kind, client_id, due_at, state, attempts, sent_at, chat_id, "
            "message_id, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    f"bench:{n:09d}",
                    "checkin" if label == "due" else KINDS[n % len(KINDS)],
                    n % clients + 1,
                    utc_iso(due_at),
                    state,
                    1 if state in ("sent", "failed") else 0,
                    utc_iso(due_at) if state == "sent" else None,
                    common.FIRST_CHAT + n % clients if state == "sent" else None,
                    n if state == "sent" else None,
                    "late" if state == "dropped" else ("blocked" if state == "failed" else None),
                    utc_iso(created),
                )
                for n, (created, label, state, due_at) in enumerate(rows)
            ],
        )
        # Finished rows leave the outbox with their outcome (migration 0016's trigger); written
        # here in one go, as the migration moves an older database's rows.
        cols = HISTORY_COLUMNS
        db.execute(
            f"INSERT INTO outbox_history({cols}) SELECT {cols} FROM outbox "
            "WHERE state IN ('sent', 'dropped', 'failed')"
        )
        db.execute("DELETE FROM outbox WHERE state IN ('sent', 'dropped', 'failed')")
        db.commit()
    finally:
        db.close()


def scatter(source: Path, target: Path) -> None:
    """A copy of the outbox whose rows were written in random order (ids no longer follow time)."""
    shutil.copyfile(source, target)
    db = sqlite3.connect(target)
    try:
        db.execute("PRAGMA cache_size = -262144")
        db.execute("PRAGMA synchronous = OFF")
        cols = (
            "key, kind, client_id, worker_id, alert_id, ref_id, due_at, state, attempts, "
            "claimed_at, payload, chat_id, message_id, sent_at, reason, created_at"
        )
        db.execute(f"CREATE TEMP TABLE shuffled AS SELECT {cols} FROM outbox ORDER BY random()")
        db.execute("DELETE FROM outbox")
        db.execute(f"INSERT INTO outbox({cols}) SELECT {cols} FROM shuffled")
        db.commit()
    finally:
        db.close()


@dataclass
class Samples:
    """Timings (s) and pages of one outbox's claims, gathered over several rounds."""

    per_cycle: int
    taken: int = 0
    claims: list[float] = field(default_factory=list)
    statements: list[float] = field(default_factory=list)
    nexts: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)


async def measure_claims(
    path: Path, samples: Samples, count: int, synchronous: str | None = None
) -> None:
    """`count` more claims of 100 rows: the claim transaction, next_due, the claim statement
    alone, and the pages each claim's commit wrote (its WAL frames: the same on any machine).

    Once every due row has been claimed they all go back to pending (untimed, as after a
    restart) and claiming starts over, so each size gets the same number of samples.
    """
    db = await Database.open(path)
    now = common.NOON
    try:
        if synchronous:
            async with db.read() as conn:
                await conn.execute(f"PRAGMA synchronous = {synchronous}")
        for _ in range(count):
            n = samples.taken
            samples.taken += 1
            if n and n % samples.per_cycle == 0:
                async with db.tx() as conn:
                    await outbox.release_claims(conn)
            async with db.read() as conn:
                # Untimed: empty the WAL, so that the automatic checkpoint never lands in some
                # timed commits and not others.
                await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                start = time.perf_counter()
                await outbox.next_due(conn)
                samples.nexts.append(time.perf_counter() - start)
            start = time.perf_counter()
            async with db.tx() as conn:
                inner = time.perf_counter()
                rows = await outbox.claim_due(conn, now, CLAIM)
                samples.statements.append(time.perf_counter() - inner)
            samples.claims.append(time.perf_counter() - start)
            assert len(rows) == CLAIM, len(rows)
            async with db.read() as conn:
                cur = await conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                row = await cur.fetchone()
            samples.pages.append(float(row[1]) if row else 0.0)
    finally:
        await db.close()


def drop_client_index(path: Path) -> None:
    """The outbox without its (client_id, state) index: what that index costs a claim."""
    db = sqlite3.connect(path)
    try:
        db.execute("DROP INDEX outbox_client")
        db.commit()
    finally:
        db.close()


async def claims_table(
    sizes: list[int], tmp: Path, synchronous: str | None = None, no_client_index: bool = False
) -> None:
    rows = []
    first: dict[str, float] = {}
    first_pages: dict[str, float] = {}
    dbs: list[tuple[int, str, Path, Samples]] = []
    for size in sizes:
        path = tmp / f"outbox-{size}.db"
        await common.fresh_schema(path)
        common.bulk_people(path, 2_000)
        start = time.perf_counter()
        build_outbox(path, size)
        if no_client_index:
            drop_client_index(path)
        built = time.perf_counter() - start
        worst = tmp / f"outbox-{size}-scattered.db"
        scatter(path, worst)
        claims = due_count(size) // CLAIM
        for label, db_path in (("written in time order", path), ("scattered (worst case)", worst)):
            dbs.append((size, label, db_path, Samples(claims)))
        print(f"  {size:,} rows built in {built:.0f} s", flush=True)
    # The builds just wrote up to a few hundred MB: let the OS write them back now, or the
    # first commits measured wait for that writeback in their fsync.
    os.sync()
    # Round by round, every size in turn: a busy moment of the (shared) machine then slows
    # every size alike instead of the one measured at the time.
    for _ in range(ROUNDS):
        for _size, _label, db_path, samples in dbs:
            await measure_claims(db_path, samples, SAMPLES // ROUNDS, synchronous)
    for size, label, db_path, samples in dbs:
        claim = common.median(samples.claims) * 1000
        statement = common.median(samples.statements) * 1000
        nxt = common.median(samples.nexts) * 1000
        written = common.median(samples.pages)
        first.setdefault(label, claim)
        first_pages.setdefault(label, written)
        rows.append(
            [
                f"{size:,}",
                label,
                f"{claim:.2f}",
                f"{statement:.2f}",
                f"{nxt:.3f}",
                f"{written:.0f} ({written / max(1.0, first_pages[label]):.2f}x)",
                f"{claim / first[label]:.2f}x",
            ]
        )
        db_path.unlink()
    ratio = float(rows[-2][6].rstrip("x"))
    rows.append(["goal", "time order", "", "", "", "", f"<= 1.3x: {common.verdict(ratio <= 1.3)}"])
    common.print_table(
        f"Claiming {CLAIM} due rows as the outbox grows (median of {SAMPLES} claims, ms)"
        + (f", synchronous={synchronous}" if synchronous else "")
        + (", without the outbox_client index" if no_client_index else ""),
        [
            "outbox rows",
            "due rows' ids",
            "claim transaction",
            "claim statement",
            "next_due",
            "pages written (vs smallest)",
            "vs smallest",
        ],
        rows,
    )


async def plan_run(path: Path, per_client: bool = False) -> float:
    """Seconds for one planner.plan_all over everyone in the database.

    per_client: plan each client in a transaction of its own with planner.plan_client (what an
    edit does for one client), to show what planning in batches buys.
    """
    db = await Database.open(path)
    try:
        core = Core(
            db=db,
            clock=FakeClock(common.NOON),
            settings=common.settings_for("http://127.0.0.1:9/bot", path),
        )
        start = time.perf_counter()
        if per_client:
            async with db.read() as conn:
                ids = await people_repo.plannable_client_ids(conn)
            for client_id in ids:
                async with db.tx() as conn:
                    await planner.plan_client(conn, core, client_id)
            count = len(ids)
        else:
            count = await planner.plan_all(core)
        elapsed = time.perf_counter() - start
        assert count > 0
        return elapsed
    finally:
        await db.close()


def count_pending(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])
    finally:
        db.close()


async def plan_table(sizes: list[int], tmp: Path, per_client: bool = False) -> None:
    rows = []
    base = None
    for size in sizes:
        path = tmp / f"plan-{size}.db"
        await common.fresh_schema(path)
        common.bulk_people(path, size)
        common.bulk_items(path, size)
        first = await plan_run(path, per_client)
        again = await plan_run(path, per_client)
        pending = count_pending(path)
        per = again / size * 1e6
        base = base or per
        rows.append(
            [
                f"{size:,}",
                f"{pending:,}",
                f"{first:.2f}",
                f"{again:.2f}",
                f"{per:.0f}",
                f"{per / base:.2f}x",
            ]
        )
        print(f"  {size:,} clients done", flush=True)
        path.unlink()
    growth = float(rows[-1][5].rstrip("x"))
    rows.append(["goal", "", "", "", "", f"linear (<= ~1.2x): {common.verdict(growth <= 1.2)}"])
    common.print_table(
        "one planner.plan_client transaction per client (s)"
        if per_client
        else "planner.plan_all, the daily run (s)",
        [
            "clients",
            "pending rows",
            "first run",
            "daily re-run",
            "us per client",
            "per client vs smallest",
        ],
        rows,
    )


async def main_async(
    quick: bool,
    claims: bool,
    plans: bool,
    synchronous: str | None,
    per_client: bool,
    no_client_index: bool = False,
) -> None:
    common.quiet_logs()
    common.print_machine()
    with tempfile.TemporaryDirectory(prefix="silta-bench-") as tmp:
        if claims:
            sizes = [1_000, 10_000, 100_000] if quick else [1_000, 10_000, 100_000, 1_000_000]
            await claims_table(sizes, Path(tmp), synchronous, no_client_index)
        if plans:
            sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
            await plan_table(sizes, Path(tmp), per_client)


def main() -> None:
    """Parse arguments and run."""
    p = common.parser(__doc__)
    only = p.add_mutually_exclusive_group()
    only.add_argument("--claims-only", action="store_true")
    only.add_argument("--plan-only", action="store_true")
    p.add_argument(
        "--synchronous",
        choices=("FULL", "NORMAL"),
        help="override the app's PRAGMA synchronous (FULL) for the claims, to compare",
    )
    p.add_argument(
        "--per-client",
        action="store_true",
        help="plan each client in its own transaction instead of plan_all's batches, to compare",
    )
    p.add_argument(
        "--without-client-index",
        action="store_true",
        help="drop the outbox's (client_id, state) index before the claims, to compare",
    )
    args = p.parse_args()
    asyncio.run(
        main_async(
            args.quick,
            not args.plan_only,
            not args.claims_only,
            args.synchronous,
            args.per_client,
            args.without_client_index,
        )
    )


if __name__ == "__main__":
    main()
