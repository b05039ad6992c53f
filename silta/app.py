"""Build the python-telegram-bot Application from settings, and run it."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.clock import Clock, SystemClock
from bot.config import BotApiUnreachable, Settings, TokenRefused
from bot.core import Core, People
from bot.http import AiohttpRequest
from bot.scheduling import policy_store
from bot.scheduling.dispatcher import Dispatcher
from bot.services.onboarding import remember_bot_username
from bot.transport import TelegramTransport
from bot.updates import ChatOrderedProcessor
from handlers.context import context_types
from handlers.menus import refresh_worker_commands, set_default_commands
from handlers.router import error_handler, register
from storage import people as people_repo
from storage.backup import hold_run_lock
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Limits:
    """Sending limits; benchmarks lift them, production keeps Telegram's."""

    # Telegram allows about 30 messages a second in total. Sends are spaced evenly at a little
    # under that, so network jitter never puts a 31st into any one-second window (a burst-then-
    # leak bucket of 30 got 143 answers of 429 in two minutes at the limit: bench/README.md).
    overall_per_second: float = 29.8
    connection_pool: int = 64
    # Seconds to wait for Telegram's answer to a send before treating it as a timeout.
    read_timeout: float = 10.0


def build_application(
    settings: Settings, *, clock: Clock | None = None, limits: Limits | None = None
) -> Application:
    """The Application, with Silta's start-up and shut-down hooked into its lifecycle."""
    limits = limits or Limits()
    token = settings.require_token()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_url)
        .base_file_url(settings.api_url.replace("/bot", "/file/bot"))
        .context_types(context_types())
        .request(
            AiohttpRequest(
                connection_pool_size=limits.connection_pool,
                read_timeout=limits.read_timeout,
                write_timeout=limits.read_timeout,
                pool_timeout=10.0,
            )
        )
        # Long polling: PTB adds the poll's own timeout to this read timeout.
        .get_updates_request(AiohttpRequest(connection_pool_size=1, read_timeout=5.0))
        .post_init(startup)
        .post_shutdown(shutdown)
        # The dispatcher schedules every send itself; PTB would otherwise start an idle
        # APScheduler whenever that library happens to be installed.
        .job_queue(None)
    )
    people = People()
    builder = builder.concurrent_updates(ChatOrderedProcessor(people))
    if limits.overall_per_second > 0:
        # One send per 1/rate seconds, never a burst. max_retries=0: a 429 comes back to the
        # dispatcher, which re-queues the row durably.
        limiter: Any = AIORateLimiter(
            overall_max_rate=1, overall_time_period=1 / limits.overall_per_second, max_retries=0
        )
        builder = builder.rate_limiter(limiter)
    app = builder.build()
    app.bot_data.settings = settings
    # The dispatcher paces non-urgent sends below this rate, keeping room for urgent ones.
    app.bot_data.send_rate = max(0.0, limits.overall_per_second)
    app.bot_data.people = people
    app.bot_data.clock = clock or SystemClock()
    register(app)
    app.add_error_handler(error_handler)
    return app


async def startup(app: Application) -> None:
    """Open the database, load the policy, seed admins, start the dispatcher, set menus."""
    data = app.bot_data
    assert data.settings is not None and data.clock is not None and data.people is not None
    settings = data.settings
    db = await Database.open(settings.db)
    core = Core(db=db, clock=data.clock, settings=settings, people=data.people)
    await policy_store.load_at_start(core)
    me = await app.bot.get_me()
    core.bot_username = me.username or core.bot_username
    # The CLI prints invite links without Telegram: it reads the @name remembered here.
    await remember_bot_username(core, core.bot_username)
    data.core = core
    await seed_admins(core)
    dispatcher = Dispatcher(
        core, TelegramTransport(app.bot), safety_poll=settings.poll_safety, rate=data.send_rate
    )
    data.dispatcher = dispatcher
    await set_default_commands(app)
    await dispatcher.start()
    data.menus = asyncio.get_running_loop().create_task(refresh_worker_commands(app))
    # What start-up built (modules, PTB, Babel's data, the policy: some 150,000 objects) lives
    # as long as the process: out of the collector's sight, a full collection no longer walks
    # it each time. Those took about 100 ms of the loop each, 6 % of a burst's time and a pause
    # for whoever pressed a button then (bench/README.md). shutdown() gives it back.
    gc.freeze()
    log.info("Silta started as @%s", core.bot_username)


async def seed_admins(core: Core) -> None:
    """Make SILTA_ADMIN_IDS admins (creating their worker records on first start)."""
    now = core.now()
    async with core.db.tx() as conn:
        for tid in core.settings.admin_ids:
            worker = await people_repo.worker_by_telegram(conn, tid)
            if worker is None:
                seeded = await people_repo.add_worker(
                    conn, name="Admin", now=now, telegram_id=tid, role="admin", language="fi"
                )
                # "Admin" is a placeholder: the bot asks the person their name at /start.
                await people_repo.update_worker(conn, seeded.id, needs_name=1)
            elif worker.role != "admin" or not worker.active:
                await people_repo.update_worker(conn, worker.id, role="admin", active=1)


async def shutdown(app: Application) -> None:
    """Stop sending, then close the database so every pending write is committed."""
    menus = app.bot_data.menus
    if menus is not None:
        menus.cancel()  # a no-op when it is done
        try:
            await menus
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("refreshing the workers' menus failed")
    dispatcher = app.bot_data.dispatcher
    if dispatcher is not None:
        await dispatcher.stop()
    if app.bot_data.started:
        await app.bot_data.core.db.close()
    gc.unfreeze()  # see startup(): the collector sees everything again (tests start many bots)
    log.info("Silta stopped")


# Waits between attempts to reach the Bot API at start: doubling, then every 30 s.
FIRST_RETRY = 1.0
LONGEST_RETRY = 30.0


async def check_database(settings: Settings) -> None:
    """Open (and migrate) the database once before anything else: a damaged, newer or
    unusable file is one line and its exit code, not a hang inside Telegram's start-up."""
    db = await Database.open(settings.db)
    await db.close()


async def check_bot_api(settings: Settings, *, sleep: Any = asyncio.sleep) -> str:
    """The bot's @name from getMe; retried with backoff while the Bot API cannot be reached.

    Raises TokenRefused at once when Telegram refuses the token, and BotApiUnreachable when
    nothing answered within SILTA_START_WAIT seconds.
    """
    request = AiohttpRequest(connection_pool_size=1, read_timeout=10.0, pool_timeout=10.0)
    bot = Bot(
        settings.require_token(),
        base_url=settings.api_url,
        request=request,
        get_updates_request=request,
    )
    loop = asyncio.get_running_loop()
    give_up = loop.time() + settings.start_wait
    wait = FIRST_RETRY
    attempt = 1
    try:
        while True:
            try:
                await bot.initialize()  # its getMe is the check
                return bot.username
            except InvalidToken as exc:
                raise TokenRefused(
                    f"Telegram refused SILTA_TOKEN ({exc.message}); check the token with @BotFather"
                ) from None
            except NetworkError as exc:
                left = give_up - loop.time()
                if left <= 0:
                    raise BotApiUnreachable(
                        f"the Bot API at {_host(settings.api_url)} did not answer in "
                        f"{settings.start_wait:g} s ({type(exc).__name__}); check the network "
                        "and SILTA_API_URL"
                    ) from None
                pause = min(wait, left)
                log.warning(
                    "the Bot API cannot be reached (%s, attempt %d); retrying in %.0f s",
                    type(exc).__name__,
                    attempt,
                    pause,
                )
                await sleep(pause)
                wait, attempt = min(wait * 2, LONGEST_RETRY), attempt + 1
    finally:
        # The request, not the bot: a bot whose getMe failed never counts as initialised.
        await request.shutdown()


def _host(url: str) -> str:
    """The host of a URL, for a log line (the token is never part of SILTA_API_URL)."""
    return url.split("://", 1)[-1].split("/", 1)[0]


def run(settings: Settings) -> int:
    """Long-poll (or serve the webhook) until SIGINT or SIGTERM; exit code 0 on a clean stop."""

    async def preflight() -> None:
        await check_database(settings)
        await check_bot_api(settings)

    asyncio.run(preflight())
    # Held (never closed) while the process runs: `silta restore` sees a running bot by it.
    hold_run_lock(settings.db)
    app = build_application(settings)
    stop_signals = (signal.SIGINT, signal.SIGTERM)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        path = "telegram"
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            secret_token=secret,
            webhook_url=settings.webhook_url.rstrip("/") + "/" + path,
            allowed_updates=Update.ALL_TYPES,
            stop_signals=stop_signals,
        )
    else:
        app.run_polling(
            allowed_updates=Update.ALL_TYPES,
            stop_signals=stop_signals,
            drop_pending_updates=False,
            bootstrap_retries=-1,
        )
    return 0
