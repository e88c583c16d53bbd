"""The organisers' journey in headless Chromium: set a recruitment action up, triage fifty."""

import re

import pytest
from sqlmodel import select

from plie.db import make_engine, reading, writing
from plie.enums import RegistrationStatus
from plie.models import Action, Candidate, OutboxEmail, Professional, Registration, Session
from plie.registrations import save_registration
from tests.builders import STATISTICS_ANSWERED
from tests.test_browser_journey import (  # noqa: F401  (browser and pages are fixtures)
    browser,
    expect,
    open_from_sidebar,
    pages,
    sign_in,
    sync_api,
    wait_for_app,
)
from tests.ui_support import ARTIFACTS, demo_email, streamlit_server

pytestmark = pytest.mark.browser
TITLE = "Job dating du bâtiment et des travaux publics"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("backoffice")
    url = f"sqlite:///{directory / 'plie.db'}"
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(url, ARTIFACTS / "streamlit-backoffice.log") as base_url:
        yield base_url, url


def by_key(page, key: str):
    """The element a page gave this key: Streamlit adds the class st-key-<key>."""
    return page.locator(f".st-key-{key}")


def choose(page, scope, label: str, option: str) -> None:
    """Pick an option of a select box; open it again if a rerun closed it meanwhile."""
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        scope.get_by_test_id("stSelectbox").filter(has_text=label).locator("input").click()
        try:
            wanted.click(timeout=5_000)
            break
        except sync_api.TimeoutError:
            page.keyboard.press("Escape")
            wait_for_app(page)
    else:
        raise AssertionError(f"the option {option!r} of {label!r} never showed")


def add_session(pilot, label: str, capacity: int) -> None:
    box = by_key(pilot, "new_session_box")
    box.get_by_label("Libellé de la session *").fill(label)
    choose(pilot, box, "Type de session", "Session de recrutement")
    box.get_by_label("Capacité *").fill(str(capacity))
    box.get_by_role("button", name="Ajouter la session").click()
    expect(pilot.get_by_text("La session est ajoutée.")).to_be_visible()
    wait_for_app(pilot)


SLOT_LINE = re.compile(r"^Créneau .* : 4 places restantes sur 4$")


def add_employer_and_slot(pilot, box, employer: str, offers: str, slots_after: int) -> None:
    box.get_by_label("Employeur *").fill(employer)
    box.get_by_label("Offres d'emploi").fill(offers)
    box.get_by_role("button", name="Ajouter l'employeur").click()
    expect(box.get_by_text(employer, exact=True)).to_be_visible()
    wait_for_app(pilot)
    choose(pilot, box, "Employeur du créneau", employer)
    box.get_by_label("Places du créneau").fill("4")
    slots = box.get_by_text(SLOT_LINE)
    # The slot form appears with the first employer; a click landing while that rerun still
    # draws it is lost, so the click is made again once if no slot shows.
    for attempt in range(2):
        box.get_by_role("button", name="Ajouter le créneau").click()
        try:
            expect(slots).to_have_count(slots_after, timeout=10_000 if attempt == 0 else 30_000)
            break
        except AssertionError:
            if attempt:
                raise
            wait_for_app(pilot)
    wait_for_app(pilot)


def register_fifty(database_url: str) -> int:
    """Two prescribers send fifty demo candidates to the new action's two sessions."""
    engine = make_engine(database_url)
    with reading(engine) as db:
        action = db.exec(select(Action).where(Action.title == TITLE)).one()
        sessions = db.exec(select(Session.id).where(Session.action_id == action.id)).all()
        candidates = db.exec(select(Candidate.id).order_by(Candidate.id)).all()
        prescribers = [
            db.exec(select(Professional.id).where(Professional.email == demo_email(key))).one()
            for key in ("france-travail", "mission-locale")
        ]
    for index, candidate_id in enumerate(candidates[:50]):
        with writing(engine) as db:
            save_registration(
                db,
                by=prescribers[index % 2],
                action_id=action.id,
                candidate_id=candidate_id,
                session_ids=[sessions[index % 2]],
                submit=True,
                answers=STATISTICS_ANSWERED,
            )
    engine.dispose()
    return action.id


def test_a_pilot_sets_up_a_recruitment_action_adds_a_partner_and_triages_fifty(
    server,
    pages,  # noqa: F811
):
    base_url, database_url = server
    pilot = pages()
    sign_in(pilot, base_url, "pilote")

    # 1. "Ajouter une action" from the dashboard.
    open_from_sidebar(pilot, "Mon tableau de bord")
    pilot.get_by_role("link", name="Ajouter une action").click()
    expect(pilot.get_by_role("heading", name="Ajouter une action")).to_be_visible()
    wait_for_app(pilot)
    pilot.get_by_label("Libellé *").fill(TITLE)
    pilot.get_by_test_id("stSelectbox").filter(has_text="Type d'action").click()
    pilot.get_by_role("option", name="Recrutement", exact=True).click()
    pilot.get_by_label("Commune").fill("Échirolles")
    pilot.get_by_role("button", name="Créer l'action").click()
    expect(pilot.get_by_role("heading", name=f"Modifier l'action : {TITLE}")).to_be_visible()
    wait_for_app(pilot)

    # 2. Two sessions, each with its employers and their slots.
    add_session(pilot, "Session du matin", 30)
    add_session(pilot, "Session de l'après-midi", 30)
    boxes = pilot.locator("[class*='st-key-session_box_']")
    expect(boxes).to_have_count(2)
    for index in range(2):
        box = boxes.nth(index)
        add_employer_and_slot(pilot, box, f"BTP Alpes {index + 1}", "Maçon·ne (CDI)", 1)
        add_employer_and_slot(
            pilot, box, f"Routes du Dauphiné {index + 1}", "Coffreur (intérim)", 2
        )

    # 3. A partner found by name.
    team = by_key(pilot, "team_box")
    team.get_by_label("Rechercher un professionnel (nom ou email)").fill("work-demo")
    team.get_by_label("Rechercher un professionnel (nom ou email)").press("Enter")
    team.get_by_role("button", name="Ajouter").click()
    expect(team.get_by_text(re.compile("^Partenaire : WORK-DEMO Sacha"))).to_be_visible()

    # 4. Fifty registrations arrive; the pilot validates them all at once.
    action_id = register_fifty(database_url)
    pilot.get_by_role("link", name="Traiter les inscriptions").click()
    expect(pilot.get_by_role("heading", name=f"Inscriptions : {TITLE}")).to_be_visible()
    expect(pilot.get_by_text("En attente - à traiter : 50")).to_be_visible()
    wait_for_app(pilot)
    pilot.get_by_test_id("stCheckbox").filter(has_text="Tout sélectionner (50 lignes)").locator(
        "label"
    ).click()
    expect(pilot.get_by_text("50 inscriptions sélectionnées")).to_be_visible()
    wait_for_app(pilot)
    choose(pilot, pilot, "Nouvel état", "Validé")
    wait_for_app(pilot)
    pilot.get_by_label("Commentaire (transmis aux prescripteurs)").fill("Bienvenue au job dating")
    pilot.get_by_role("button", name="Appliquer aux inscriptions sélectionnées").click()
    expect(pilot.get_by_text("50 inscriptions passées à l'état « Validé ».")).to_be_visible()
    expect(pilot.get_by_text("Validé : 50")).to_be_visible()

    engine = make_engine(database_url)
    with reading(engine) as db:
        states = db.exec(
            select(Registration.status).where(Registration.action_id == action_id)
        ).all()
        status_emails = db.exec(
            select(OutboxEmail.to_address).where(
                OutboxEmail.subject.startswith("Changement d'état de")
            )
        ).all()
    engine.dispose()
    assert states == [RegistrationStatus.VALIDATED] * 50
    # One email per prescriber for the bulk change (25 registrations each), not one per row.
    assert sorted(status_emails) == [demo_email("france-travail"), demo_email("mission-locale")]


def test_an_employer_refused_for_a_missing_name_keeps_the_job_offers_typed(
    server,
    pages,  # noqa: F811
):
    base_url, database_url = server
    pilot = pages()
    sign_in(pilot, base_url, "pilote")
    with reading(make_engine(database_url)) as db:
        recruitment = db.exec(
            select(Action.id).where(Action.title == "Job dating logistique et propreté")
        ).one()
    # The page is opened by its address: the sign-in cookie must be written first.
    for _ in range(100):
        if any(c["name"] == "plie_connect_session" for c in pilot.context.cookies()):
            break
        pilot.wait_for_timeout(100)
    pilot.goto(f"{base_url}/action-edition?id={recruitment}")
    wait_for_app(pilot)
    form = pilot.get_by_test_id("stForm").filter(
        has=pilot.get_by_role("button", name="Ajouter l'employeur")
    )

    form.first.get_by_label("Offres d'emploi").fill("Cariste (CDI), préparateur de commandes")
    form.first.get_by_role("button", name="Ajouter l'employeur").click()

    expect(pilot.get_by_text("Le champ « Employeur » est obligatoire.")).to_be_visible()
    wait_for_app(pilot)
    expect(form.first.get_by_label("Offres d'emploi")).to_have_value(
        "Cariste (CDI), préparateur de commandes"
    )
