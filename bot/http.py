"""The Bot API's HTTP client: python-telegram-bot's request interface on aiohttp.

PTB's default, HTTPXRequest, spends about a millisecond of CPU per call in httpx, httpcore and
anyio (the pool walks every open connection for each request). On two cores that capped the
bot near a hundred button presses a second; aiohttp does the same calls for a fraction of it
(bench/README.md). Errors map to PTB's own exceptions exactly as HTTPXRequest maps them, so
everything above (the rate limiter, the dispatcher's error classes) is unchanged.

HTTPS_PROXY and the like are honoured as httpx honours them (an office may have no other way
out), but read once per host rather than on every request: aiohttp's `trust_env` looks the proxy
up (environment and .netrc) on an executor thread for each call, which was about a quarter of the
event loop's time in a burst and doubled the p99 of a press's answer (bench/README.md).
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

_HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
_FORM_HEADERS = {**_HEADERS, "Content-Type": "application/x-www-form-urlencoded"}


class AiohttpRequest(BaseRequest):
    """A BaseRequest with one aiohttp session and a bounded connection pool."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_proxies",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        # (scheme, host) -> (proxy, its credentials), looked up once.
        self._proxies: dict[tuple[str, str], tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (seconds)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (once; PTB may call this more than once)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # Answers are small JSON: asking for no compression saves decompressing them.
                skip_auto_headers=("Accept-Encoding",),
                # The proxy is resolved once per host instead (see _proxy_for).
                trust_env=False,
            )

    async def _proxy_for(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The proxy for the URL's host from the environment (None: direct), looked up on the
        first request to the host only (it reads files, so on a thread)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        found = self._proxies.get(key)
        if found is None:
            found = await asyncio.to_thread(_env_proxy, URL(url))
            self._proxies[key] = found
        return found

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return Telegram's status code and body."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._write_timeout if not files else self._media_write_timeout
        # aiohttp has no separate write timeout: the read timeout starts once the request is
        # written, so the write's own limit is added to the whole request's budget instead.
        budget = [t for t in (read_timeout, write_timeout, pool_timeout, connect_timeout) if t]
        timeout = aiohttp.ClientTimeout(
            total=sum(budget) if budget else None,
            connect=None,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        data: Any = None
        headers = _HEADERS
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, part in files.items():
                    filename, content, *rest = part
                    form.add_field(
                        name,
                        content,
                        filename=filename,
                        content_type=rest[0] if rest else "application/octet-stream",
                    )
                data = form
            else:
                # Encoded here: aiohttp's FormData path for a plain dict costs several times more.
                data = urlencode(request_data.json_parameters).encode()
                headers = _FORM_HEADERS
        proxy, proxy_auth = await self._proxy_for(url)
        try:
            async with self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _env_proxy(url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and .netrc credentials for the proxy), as aiohttp's
    trust_env reads them."""
    try:
        return get_env_proxy_for_url(url)
    except LookupError:
        return None, None
