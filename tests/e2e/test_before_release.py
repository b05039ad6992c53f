"""Before release: the client's phase everywhere, an invite that outlives the sentence, and the
printable card a worker hands over in the prison meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pypdfium2
import zxingcpp

from bot.policy import set_policy_value
from bot.scheduling import policy_store
from tests.harness import Silta
from tests.worker_helpers import ask, office, tap_then

HEL = ZoneInfo("Europe/Helsinki")
# The harness starts on Tuesday 1 December 2026; this client is released in 30 days.
RELEASE = date(2026, 12, 31)


def qr_links(pdf: bytes) -> list[str]:
    """The links a phone camera reads from each printed page."""
    document = pypdfium2.PdfDocument(pdf)
    found = [
        result.text
        for page in document
        for result in zxingcpp.read_barcodes(page.render(scale=200 / 72).to_pil())
    ]
    document.close()
    return found


def page_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    text = " ".join(page.get_textpage().get_text_range() for page in document)
    document.close()
    return " ".join(text.split())


async def test_an_invite_made_a_month_before_release_still_works_on_release_day(
    silta: Silta,
) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Pete", language="en", release_date=RELEASE)
    # Valid to the end of the 14th day after release (local time), not 14 days from today.
    assert card.expires_at == datetime(2027, 1, 15, tzinfo=HEL).astimezone(UTC)
    assert card.last_day(silta.core.policy) == date(2027, 1, 14)
    await silta.advance_to(datetime(2026, 12, 31, 12, 0, tzinfo=HEL).astimezone(UTC))
    user = silta.tg.user(3001, "Pete", language_code="en")
    client = await silta.join(user, card)
    assert client.status == "active" and client.release_date == RELEASE


async def test_without_a_release_date_an_invite_keeps_the_usual_lifetime(silta: Silta) -> None:
    o = await office(silta)
    card = await silta.add_client(o.maria, "Anna", language="en")
    assert card.expires_at == silta.clock.now() + silta.core.policy.invite_lifetime
    released = await silta.add_client(
        o.maria, "Ville", language="en", release_date=date(2026, 11, 20)
    )
    assert released.expires_at == silta.clock.now() + silta.core.policy.invite_lifetime


async def test_the_printable_card_comes_with_invite_and_decodes_to_the_link(
    silta: Silta,
) -> None:
    policy = set_policy_value(silta.core.policy, "invites.team_phone", "+358 40 123 4567")
    await policy_store.store(silta.core, policy, None, "cli")
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="ru", release_date=RELEASE)
    invite = await ask(o.maria_chat, "/invite Pete", contains="new invite")
    assert invite.photo is not None and invite.photo.startswith(b"\x89PNG")
    link = invite.text.split("Link: ")[1].split()[0]
    await silta.tg.wait_for(
        lambda: any(m.document for m in o.maria_chat.messages()), what="the card PDF"
    )
    pdf = next(m for m in o.maria_chat.messages() if m.document)
    assert pdf.file_name is not None and pdf.file_name.endswith(".pdf")
    assert pdf.document is not None and qr_links(pdf.document) == [link]
    assert [r.text for r in zxingcpp.read_barcodes(_image(invite.photo))] == [link]
    text = page_text(pdf.document)
    code = link.rsplit("=", 1)[1]
    for group in (code[:4], code[4:8], code[8:]):
        assert group in text
    # Russian steps, the Finnish ones, Maria's first name, the team's phone, the last day.
    assert "Отсканируйте QR-код камерой телефона." in text
    assert "Skannaa QR-koodi puhelimen kameralla." in text
    assert "Maria" in text and "Virtanen" not in text
    assert "+358 40 123 4567" in text and "14.1.2027" in text


def _image(png: bytes):
    from io import BytesIO

    from PIL import Image

    return Image.open(BytesIO(png))


async def test_phases_show_in_clients_the_card_and_the_digest(silta: Silta) -> None:
    o = await office(silta)
    await silta.add_client(o.maria, "Pete", language="en", release_date=RELEASE)
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    assert "release in 30 days" in listing.text
    card = await tap_then(silta, o.maria_chat, listing, "Pete")
    assert "Phase: release in 30 days" in card.text
    # Wednesday morning's digest counts Pete among those still inside.
    await silta.advance_to(datetime(2026, 12, 2, 8, 30, tzinfo=HEL).astimezone(UTC))
    digest = next(m for m in o.maria_chat.messages() if "Good morning" in (m.text or ""))
    assert "Before release: 1" in digest.text
    assert "Pete (#1) — release in 29 days" in digest.text
    assert "Not joined yet: 0" in digest.text, "nobody expects a phone in prison"


async def test_day_n_after_release_and_no_client_messages_before_it(silta: Silta) -> None:
    o = await office(silta)
    release = date(2026, 12, 8)
    card = await silta.add_client(o.maria, "Pete", language="en", release_date=release)
    # The phone is with the client early (it happens): joining works, but nothing is sent.
    user = silta.tg.user(3001, "Pete", language_code="en")
    await silta.join(user, card)
    joined = len(user.messages())
    await silta.advance_to(datetime(2026, 12, 7, 20, 0, tzinfo=HEL).astimezone(UTC))
    assert len(user.messages()) == joined, "no message to the client before release"
    await silta.advance_to(datetime(2026, 12, 8, 12, 0, tzinfo=HEL).astimezone(UTC))
    assert any("How are things" in (m.text or "") for m in user.messages()[joined:])
    await silta.advance_to(datetime(2026, 12, 11, 15, 0, tzinfo=HEL).astimezone(UTC))
    listing = await ask(o.maria_chat, "/clients", contains="Your clients")
    assert "day 3 after release" in listing.text
