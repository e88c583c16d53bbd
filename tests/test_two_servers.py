"""Two app servers on one PostgreSQL, as behind a proxy: the last places and the outbox.

Two `streamlit run home.py` share a database of their own on the PostgreSQL server that the
suite's PostgreSQL run names (PLIE_TEST_DATABASE_URL); on an SQLite-only run the test is
skipped. Prescribers, each in their own Chromium context and half of them on each server, all
reach the last step of a registration, then all click "Enregistrer définitivement" at once for
the last places of a session. Both servers run the mailer against a SendGrid stand-in on
127.0.0.1, with emails queued while both are polling.
"""

import asyncio
import re
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from plie.accounts import hash_password
from plie.db import make_engine, prepare_database, reading, writing
from plie.demo import DEMO_PASSWORD, EMAIL_DOMAIN, load_demo_data
from plie.enums import PLACE_HOLDING_STATUSES, Gender, OutboxStatus
from plie.models import (
    Action,
    Candidate,
    OutboxEmail,
    Professional,
    Registration,
    RegistrationSession,
    Session,
)
from plie.notifications import queue_email
from plie.text import search_key
from tests.backends import TEST_DATABASE_URL, only_postgresql
from tests.sendgrid_standin import SendGridStandIn
from tests.ui_support import ARTIFACTS, BUILDING_SITE, streamlit_server

pytestmark = [pytest.mark.browser, only_postgresql]
async_api = pytest.importorskip("playwright.async_api")
expect = async_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 90_000
expect.set_options(timeout=WAIT_MS)
PRESCRIBERS = 12
PLACES_LEFT = 4
# How many prescribers walk through the form at the same time (two cores for everything).
WALKING_TOGETHER = 4
EMAILS_QUEUED_WHILE_BOTH_POLL = 40
CANDIDATE = ("Coureur", "Sami")
SUBMITTED = "Etat de l'inscription : En attente - à traiter"


@pytest.fixture
def shared_database(postgresql_admin):
    """A database of its own, with the demo loaded, on the suite's PostgreSQL server."""
    name = f"plie_two_servers_{uuid.uuid4().hex[:10]}"
    with postgresql_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    prepare_database(engine)
    with writing(engine) as db:
        load_demo_data(db)
    yield url, engine
    engine.dispose()
    with postgresql_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def prepare_the_race(engine) -> tuple[Session, list[tuple[str, date]]]:
    """The building site's first session down to its last places; one account per prescriber."""
    with writing(engine) as db:
        action = db.exec(select(Action).where(Action.title == BUILDING_SITE)).one()
        session = db.exec(
            select(Session).where(Session.action_id == action.id).order_by(Session.starts_at)
        ).first()
        session.places_taken = session.capacity - PLACES_LEFT
        db.add(session)
        password = hash_password(DEMO_PASSWORD, rounds=4)
        prescribers = []
        for number in range(PRESCRIBERS):
            email = f"prescripteur-{number}@{EMAIL_DOMAIN}"
            born = date(1985, 1, 1) + timedelta(days=number)
            db.add(
                Professional(
                    email=email,
                    first_name="Claude",
                    last_name=f"Course{number}",
                    password_hash=password,
                )
            )
            db.add(
                Candidate(
                    last_name=CANDIDATE[0],
                    first_name=CANDIDATE[1],
                    last_name_key=search_key(CANDIDATE[0]),
                    first_name_key=search_key(CANDIDATE[1]),
                    birth_date=born,
                    gender=Gender.MALE,
                )
            )
            prescribers.append((email, born))
        db.commit()
        return session, prescribers


async def wait_for_app(page) -> None:
    await expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)


async def sign_in(page, email: str) -> None:
    """Fill the sign-in form and send it, once more if the click was lost.

    Under this load, about one sign-in in forty never took effect (the page stayed on
    the filled form, without an error): the sign-in is not what this test is about.
    """
    signed_in = page.get_by_text(f"Connecté·e : {email}")
    for _ in range(3):
        await page.get_by_label("Adresse email").fill(email)
        await page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        try:
            await expect(signed_in).to_be_visible(timeout=30_000)
            return
        except AssertionError:
            await wait_for_app(page)
    await expect(signed_in).to_be_visible()


async def reach_the_last_step(page, base_url: str, action_id: int, email: str, born: date):
    """Sign in, tick the session, find the candidate: the send button is one click away."""
    await page.goto(f"{base_url}/connexion")
    # The demo accounts come last on the sign-in page: once shown, the form is live.
    await expect(page.get_by_text("Comptes de démonstration")).to_be_visible()
    await wait_for_app(page)
    await sign_in(page, email)

    await page.get_by_test_id("stSidebar").get_by_role("link", name="Agenda").click()
    # The action's own link, by its address: the cards may still be drawing.
    await page.locator(f'a[href="action?id={action_id}"]').first.click()
    await expect(page.get_by_text(f"Places restantes : {PLACES_LEFT}")).to_be_visible()
    await wait_for_app(page)
    choose = page.get_by_test_id("stCheckbox").filter(has_text="Choisir cette session").first
    await choose.locator("label").click()
    await expect(page.get_by_role("checkbox", name="Choisir cette session").first).to_be_checked()
    register = "Inscrire un nouveau candidat aux sessions cochées"
    await page.get_by_role("button", name=register).click()

    form = page.get_by_test_id("stForm").first
    await form.get_by_label("Nom *", exact=True).fill(CANDIDATE[0][:3].lower())
    await form.get_by_label("Prénom *", exact=True).fill(CANDIDATE[1][:3].lower())
    await form.get_by_role("spinbutton", name="day, Date de naissance *").click()
    await page.keyboard.type(born.strftime("%d%m%Y"))
    await page.keyboard.press("Escape")
    await form.get_by_role("button", name="Créer ou rechercher le candidat").click()
    candidate = f"{CANDIDATE[0].upper()} {CANDIDATE[1]}"
    await expect(page.get_by_role("button", name=f"Choisir {candidate}")).to_be_visible()
    await wait_for_app(page)
    await page.get_by_role("button", name=f"Choisir {candidate}").click()
    await expect(page.get_by_text(f"{candidate}, né·e le {born:%d/%m/%Y}")).to_be_visible()
    await wait_for_app(page)
    ticked = page.get_by_role("checkbox", name=re.compile(r"places restantes : \d+\)$")).first
    await expect(ticked).to_be_checked()
    # The statistics question that an action without eligibility asks before sending.
    await page.get_by_test_id("stCheckbox").filter(has_text="Aucun").locator("label").click()
    await expect(page.get_by_role("checkbox", name="Aucun")).to_be_checked()
    await wait_for_app(page)


async def race(base_urls: list[str], session, prescribers, full_message: str) -> list[str]:
    """Every prescriber at the last step, then all send at once; what each page then says."""
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for _ in prescribers:
            context = await browser.new_context(
                locale="fr-FR", viewport={"width": 1300, "height": 900}
            )
            context.set_default_timeout(WAIT_MS)
            pages.append(await context.new_page())
        walking = asyncio.Semaphore(WALKING_TOGETHER)

        async def walk(index: int, email: str, born: date) -> None:
            async with walking:
                base_url = base_urls[index % len(base_urls)]
                await reach_the_last_step(pages[index], base_url, session.action_id, email, born)

        try:
            await asyncio.gather(
                *(walk(index, email, born) for index, (email, born) in enumerate(prescribers))
            )
            send_name = "Enregistrer définitivement les sessions cochées"
            await asyncio.gather(
                *(page.get_by_role("button", name=send_name).click() for page in pages)
            )

            said = []
            for page in pages:
                outcome = page.get_by_text(SUBMITTED).or_(page.get_by_text(full_message))
                await expect(outcome).to_be_visible()
                said.append(await outcome.inner_text())
            return said
        except Exception:
            for index, page in enumerate(pages):
                await page.screenshot(path=ARTIFACTS / f"two-servers-{index}.png", full_page=True)
            raise
        finally:
            await browser.close()


def wait_until_outbox_settles(engine, timeout: float = 90) -> None:
    """Until no email is waiting or being sent any more."""
    for _ in range(int(timeout / 0.25)):
        with reading(engine) as db:
            busy = db.exec(
                select(func.count(OutboxEmail.id)).where(
                    OutboxEmail.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
                )
            ).one()
        if not busy:
            return
        time.sleep(0.25)
    raise AssertionError(f"{busy} emails still waiting after {timeout} s")


def test_prescribers_on_two_servers_take_exactly_the_last_places_and_no_email_goes_twice(
    shared_database,
):
    url, engine = shared_database
    session, prescribers = prepare_the_race(engine)
    full_message = f"La session « {session.label} » est complète : il n'y reste plus de place."
    ARTIFACTS.mkdir(exist_ok=True)
    logs = [ARTIFACTS / "two-servers-a.log", ARTIFACTS / "two-servers-b.log"]

    with SendGridStandIn(["slow:0.05"] * 200) as sendgrid:
        mail = {
            "PLIE_SENDGRID_API_KEY": "SG.two-servers-test",
            "PLIE_SENDGRID_BASE_URL": sendgrid.base_url,
            "PLIE_MAIL_POLL_SECONDS": "0.2",
        }
        with (
            streamlit_server(url, logs[0], extra_env=mail) as server_a,
            streamlit_server(url, logs[1], extra_env=mail) as server_b,
        ):
            said = asyncio.run(race([server_a, server_b], session, prescribers, full_message))
            # Both servers have run home.py, so both mailers poll: queue a batch for them.
            with writing(engine) as db:
                for number in range(EMAILS_QUEUED_WHILE_BOTH_POLL):
                    queue_email(
                        db,
                        key=f"two-servers:{number}",
                        to_address="prescripteur@example.org",
                        subject="Inscription enregistrée",
                        body="Bonjour,\n\nL'inscription est enregistrée définitivement.",
                    )
                db.commit()
            wait_until_outbox_settles(engine)

    refused = PRESCRIBERS - PLACES_LEFT
    assert sorted(said) == sorted([SUBMITTED] * PLACES_LEFT + [full_message] * refused)
    with reading(engine) as db:
        assert db.get(Session, session.id).places_taken == session.capacity
        held = db.exec(
            select(func.count(Registration.id))
            .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
            .join(Professional, Professional.id == Registration.prescriber_id)
            .where(
                RegistrationSession.session_id == session.id,
                Registration.status.in_(list(PLACE_HOLDING_STATUSES)),
                Professional.email.startswith("prescripteur-"),
            )
        ).one()
        assert held == PLACES_LEFT
        sent = db.exec(select(OutboxEmail.key).where(OutboxEmail.status == OutboxStatus.SENT))
        sent_keys = sorted(sent)

    received = sendgrid.keys_received
    assert len(received) == len(set(received)), "an email was sent twice"
    assert sorted(received) == sent_keys
    assert len(sent_keys) == EMAILS_QUEUED_WHILE_BOTH_POLL + PLACES_LEFT
    # Each server's mailer sent some of them: the two really ran side by side.
    assert all("email_sent" in log.read_text() for log in logs)
