"""`silta run` as a real process: answers by language, stops cleanly, refuses bad config."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram


def _env(tg: FakeTelegram, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SILTA_")}
    env.update(
        {
            "SILTA_TOKEN": tg.token,
            "SILTA_API_URL": tg.api_url,
            "SILTA_DB": str(tmp_path / "s.db"),
            "SILTA_LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    return env


async def _start(tg: FakeTelegram, tmp_path: Path) -> asyncio.subprocess.Process:
    # `python -m bot`, the older spelling operators' scripts use, hands over to `python -m silta`.
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=_env(tg, tmp_path),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await tg.wait_for(lambda: tg.calls("getUpdates"), timeout=20, what="the bot polling")
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_bot_answers_strangers_by_language_and_stops_cleanly(
    tg: FakeTelegram, tmp_path: Path, sig: signal.Signals
) -> None:
    proc = await _start(tg, tmp_path)
    try:
        greetings = (
            (11, "fi", "Hei! Tämä on Silta"),
            (12, "sv", "Hej! Det här är Silta"),
            (13, "en", "Hello! This is Silta"),
        )
        for uid, lang, start in greetings:
            user = tg.user(uid, language_code=lang)
            await user.send("hello")
            message = await user.next_message(timeout=15)
            assert (message.text or "").startswith(start)
        assert tg.my_commands({"type": "default"}, "sv")
    finally:
        proc.send_signal(sig)
        code = await asyncio.wait_for(proc.wait(), 30)
    _, err = await proc.communicate()
    assert code == 0, err.decode()[-2000:]
    assert b"Traceback" not in err
    assert tg.token.encode() not in err, "the token never reaches the log"


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"SILTA_TOKEN": ""}, "SILTA_TOKEN is not set"),
        ({"SILTA_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"SILTA_TIMEZONE": "Mars/Olympus"}, "unknown time zone"),
        ({"SILTA_DB": "/nonexistent-dir/silta.db"}, "not writable"),
        ({"SILTA_ADMIN_IDS": "12,abc"}, "SILTA_ADMIN_IDS"),
        ({"SILTA_WEBHOOK_URL": "https://example.org"}, "SILTA_WEBHOOK_SECRET"),
    ],
    ids=["no-token", "bad-token", "bad-zone", "bad-db", "bad-admins", "webhook-no-secret"],
)
async def test_bad_configuration_is_one_clear_line_and_exit_code_2(
    tg: FakeTelegram, tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "silta",
        "run",
        env=_env(tg, tmp_path, **env),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines
    assert not tg.calls("getUpdates")


async def test_python_m_bot_and_python_m_silta_are_the_same_command(tmp_path: Path) -> None:
    outputs = []
    for module in ("silta", "bot"):
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            "worker",
            "--help",
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        outputs.append((proc.returncode, out, err))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 0 and b"usage: silta worker" in outputs[0][1]


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from silta.cli import build_parser, main

    parser = build_parser()
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    listed = capsys.readouterr().out
    for name in ("run", "migrate", "admin", "worker"):
        assert name in listed
    groups = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    for name, sub in groups[0].choices.items():
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0, name
        nested = [a for a in sub._actions if a.__class__.__name__ == "_SubParsersAction"]
        for action in nested[0].choices if nested else ():
            with pytest.raises(SystemExit) as exc:
                main([name, action, "--help"])
            assert exc.value.code == 0, (name, action)


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from silta.cli import main

    for argv in (["nonsense"], ["worker", "add", "--telegram-id", "x", "--name", "A"], []):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
