"""Settings from the environment (prefix SILTA_) or a .env file."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_CRISIS_TEXT = (
    "Hätänumero / Nödnummer / Emergency: 112\n"
    "MIELI Kriisipuhelin / Kristelefon / Crisis line (24/7): 09 2525 0111\n"
    "Sosiaali- ja kriisipäivystys / Social- och krisjour / Social and crisis duty: 014 266 0149"
)
# BotFather tokens are "<bot id>:<35 url-safe characters>"; checking the shape catches pasted
# junk early.
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


class StartupError(Exception):
    """`silta run` cannot start; one line, and an exit code of its own (README's table)."""

    exit_code = 1


class BotApiUnreachable(StartupError):
    """The Bot API did not answer at all within SILTA_START_WAIT seconds."""

    exit_code = 5


class TokenRefused(StartupError):
    """Telegram refused the token (401): revoked, or from another bot."""

    exit_code = 6


class Settings(BaseSettings):
    """Everything an operator can set."""

    model_config = SettingsConfigDict(
        env_prefix="SILTA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = None
    api_url: str = DEFAULT_API_URL
    db: Path = Path("./silta.db")
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    timezone: str = "Europe/Helsinki"
    log_level: str = "INFO"
    crisis_text: str = DEFAULT_CRISIS_TEXT
    # Secret mixed into invite-code hashes; derived from the token when unset so a stolen
    # database alone cannot be used to test guesses offline.
    invite_pepper: SecretStr | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # Seconds between the dispatcher's safety polls (the main wake-up is exact).
    poll_safety: float = 30.0
    # Seconds `silta run` keeps retrying an unreachable Bot API at start before giving up.
    start_wait: float = Field(default=120.0, gt=0, le=3600)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        """An http(s) URL with a host; anything else would only fail later, at every request."""
        url = value.strip()
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (reading it checks the port is a number in range)
        except ValueError as exc:
            raise ValueError(f"is not a URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
            raise ValueError("must be an http(s) URL like https://api.telegram.org/bot")
        return url

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return [int(p) for p in parts]
            except ValueError as exc:
                raise ValueError("must be comma-separated Telegram user ids") from exc
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def zone(self) -> ZoneInfo:
        """The local time zone."""
        return ZoneInfo(self.timezone)

    def pepper_override(self) -> bytes | None:
        """SILTA_INVITE_PEPPER, when set: used instead of the secret stored in the database."""
        if self.invite_pepper is None:
            return None
        return self.invite_pepper.get_secret_value().encode()

    def legacy_peppers(self) -> list[bytes]:
        """Secrets that invite codes made before the stored secret (migration 0006) may use."""
        # Before 0006 a code was hashed with the override, else the token, else a constant.
        found = [b"silta-without-token"]
        if self.token is not None:
            found.insert(0, self.token.get_secret_value().encode())
        override = self.pepper_override()
        if override is not None:
            found.insert(0, override)
        return found

    def require_token(self) -> str:
        """The bot token, or a ConfigError saying what is wrong with it."""
        if self.token is None or not self.token.get_secret_value().strip():
            raise ConfigError("SILTA_TOKEN is not set: get a bot token from @BotFather")
        token = self.token.get_secret_value().strip()
        if not _TOKEN_RE.match(token):
            raise ConfigError(
                "SILTA_TOKEN does not look like a bot token (expected 123456789:ABC...)"
            )
        return token

    def check_db_writable(self) -> None:
        """Fail early, in words, when the database cannot be created or written."""
        path = self.db.expanduser()
        parent = path.parent if str(path.parent) else Path(".")
        real = os.path.realpath(path)
        if any(real == top or real.startswith(top + "/") for top in ("/proc", "/sys", "/dev")):
            raise ConfigError(f"SILTA_DB {path} is not on a disk (under /proc, /sys or /dev)")
        if path.exists():
            if not path.is_file() or not os.access(path, os.W_OK):
                raise ConfigError(f"SILTA_DB {path} is not a writable file")
        elif not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"SILTA_DB {path}: folder {parent} does not exist or is not writable")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one ConfigError line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = "SILTA_" + "_".join(str(p) for p in err["loc"]).upper()
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{key}: {msg}")
        raise ConfigError("; ".join(problems)) from None
