"""Invite codes: enough entropy in a typeable alphabet, single use, expiring, stored only as a
keyed hash, and wrong guesses throttled per Telegram user and in total."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot import invites
from bot.services import clients as client_service
from bot.services import invite_secret, onboarding
from tests.fake_telegram import FakeUser
from tests.harness import Silta

TOO_MANY = "Too many tries"
DID_NOT_WORK = "That code did not work"
WELCOME = "Welcome to Silta"


def _wrong_code(n: int) -> str:
    """A well-formed code that is nobody's invite (deterministic, so failures reproduce)."""
    alphabet = invites.ALPHABET
    digits = []
    for _ in range(invites.CODE_LENGTH):
        n, r = divmod(n * 7919 + 104729, len(alphabet))
        digits.append(alphabet[r])
    return "".join(digits)


async def _try(user: FakeUser, code: str) -> str:
    await user.command("start", code)
    return (await user.next_message()).text or ""


def test_codes_have_over_50_bits_in_an_alphabet_easy_to_type() -> None:
    for confusable in "0O1Il":
        assert confusable not in invites.ALPHABET
    assert invites.ALPHABET.upper() == invites.ALPHABET, "one case only"
    assert invites.entropy_bits() >= 50
    assert invites.CODE_LENGTH * math.log2(len(set(invites.ALPHABET))) >= 50
    codes = [invites.new_code() for _ in range(3000)]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == invites.CODE_LENGTH and set(c) <= set(invites.ALPHABET) for c in codes)
    # Every symbol is used, none far more often than chance allows (3000*12/31 ≈ 1161 each).
    counts = Counter("".join(codes))
    assert set(counts) == set(invites.ALPHABET)
    expected = len(codes) * invites.CODE_LENGTH / len(invites.ALPHABET)
    assert all(abs(c - expected) < 6 * math.sqrt(expected) for c in counts.values())
    # People type codes loosely: case, spaces and dashes do not matter.
    code = codes[0]
    assert invites.normalize_code(f" {invites.format_code(code).lower()} ") == code


async def test_a_code_is_single_use_and_expires(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    pete = silta.tg.user(5001, language_code="en")
    await silta.join(pete, card)
    other = silta.tg.user(5002, language_code="en")
    assert "already been used" in await _try(other, card.code)
    late = await silta.add_client(worker, "Lauri", language="en")
    await silta.advance(silta.core.policy.invite_lifetime + timedelta(minutes=1))
    assert "no longer valid" in await _try(silta.tg.user(5003, language_code="en"), late.code)


async def test_codes_are_stored_only_as_a_keyed_hash(silta: Silta) -> None:
    worker = await silta.add_worker(100, language="en")
    cards = [await silta.add_client(worker, f"Client{i}", language="en") for i in range(5)]
    cards.append(
        await onboarding.create_worker_invite(silta.core, None, "New Worker", team="North")
    )
    await silta.join(silta.tg.user(5001, language_code="en"), cards[0])
    db: Path = silta.db_path
    stored = b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())
    for card in cards:
        for form in (card.code, card.grouped, card.code.lower(), card.link):
            assert form.encode() not in stored, f"{form} is in the database file"
    async with silta.core.db.read() as conn:
        cur = await conn.execute("SELECT code_hash FROM invites")
        hashes = {r[0] for r in await cur.fetchall()}
        pepper = await invite_secret.current_pepper(conn, silta.core.settings)
    assert {invites.hash_code(c.code, pepper) for c in cards} <= hashes
    assert invites.hash_code(cards[0].code, b"another pepper") not in hashes


async def test_wrong_codes_are_throttled_per_user_and_the_right_one_works_after_an_hour(
    silta: Silta,
) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    guesser = silta.tg.user(5001, language_code="en")
    for n in range(client_service.GUESSES_PER_USER_PER_HOUR):
        assert DID_NOT_WORK in await _try(guesser, _wrong_code(n))
    assert TOO_MANY in await _try(guesser, _wrong_code(99))
    assert TOO_MANY in await _try(guesser, card.code), "even the right code waits"
    await guesser.send(invites.format_code(_wrong_code(98)))  # typed, not a link: same limit
    assert TOO_MANY in (await guesser.next_message()).text
    other = silta.tg.user(5002, language_code="en")
    assert DID_NOT_WORK in await _try(other, _wrong_code(7)), "others are not punished"
    await silta.advance(timedelta(hours=1, minutes=1))
    assert WELCOME in await _try(guesser, card.code)


async def test_many_guessers_hit_the_total_limit_and_the_right_code_works_after_an_hour(
    silta: Silta,
) -> None:
    worker = await silta.add_worker(100, language="en")
    card = await silta.add_client(worker, "Pete", language="en")
    per_user = client_service.GUESSES_PER_USER_PER_HOUR - 1  # each stays under their own limit
    guessers = math.ceil(client_service.GUESSES_TOTAL_PER_HOUR / per_user) + 3
    refused: Counter[str] = Counter()
    n = 0
    for g in range(guessers):
        user = silta.tg.user(6000 + g, language_code="en")
        for _ in range(per_user):
            n += 1
            answer = await _try(user, _wrong_code(n))
            refused[TOO_MANY if TOO_MANY in answer else DID_NOT_WORK] += 1
    assert refused[DID_NOT_WORK] == client_service.GUESSES_TOTAL_PER_HOUR
    assert refused[TOO_MANY] == guessers * per_user - client_service.GUESSES_TOTAL_PER_HOUR
    client = silta.tg.user(5001, language_code="en")
    assert TOO_MANY in await _try(client, card.code), "while the total limit holds, nobody tries"
    await silta.advance(timedelta(hours=1, minutes=1))
    assert WELCOME in await _try(client, card.code)
    # 200 guesses an hour at 1 in 31^12 each: guessing one of a thousand open invites would take
    # longer than the age of the universe.
    assert invites.entropy_bits() - math.log2(1000 * client_service.GUESSES_TOTAL_PER_HOUR) > 40
