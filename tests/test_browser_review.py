"""In Chromium: an organiser records and locks the review of a recruitment session with two
employers; the prescribers are emailed and read the review from their three places."""

import re

import pytest
from sqlmodel import select

from plie import paging
from plie.db import make_engine, reading, writing
from plie.enums import Attendance, MemberRole
from plie.models import OutboxEmail, Professional, ReviewEntry
from tests.builders import a_member
from tests.review_builders import a_registered_candidate, a_reviewable_action, employers_at
from tests.test_browser_journey import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    click_in_row,
    index_of_row,
    open_action_from_agenda,
    open_from_sidebar,
    sign_in,
    table_rows,
    wait_for_app,
)
from tests.ui_support import ARTIFACTS, demo_email, streamlit_server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

RECRUITMENT = "Job dating logistique et propreté"
PAST_SESSION = "Session de recrutement passée"
ROW_HEIGHT = 35
# The entry table's columns have fixed widths (app_pages/review.py): where each one starts.
COLUMN_START = {
    "Présence": 340,
    "Logistique : suite": 530,
    "Logistique : commentaire": 720,
    "Propreté : suite": 940,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("browser-review")
    url = f"sqlite:///{directory / 'plie.db'}"
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(url, ARTIFACTS / "streamlit-review.log") as base_url:
        yield base_url, url


@pytest.fixture
def person(request):
    """Opens a browser page per person; screenshots of each if the test fails."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        opened = []
        failures_before = request.session.testsfailed

        def open_page():
            context = chromium.new_context(locale="fr-FR", viewport={"width": 1900, "height": 1100})
            context.set_default_timeout(WAIT_MS)
            opened.append(context.new_page())
            return opened[-1]

        yield open_page
        if request.session.testsfailed > failures_before:
            for index, page in enumerate(opened):
                page.screenshot(path=ARTIFACTS / f"{request.node.name}-{index}.png", full_page=True)
        chromium.close()


def cell(page, grid, row: int, column: str) -> tuple[float, float]:
    box = grid.bounding_box()
    return box["x"] + COLUMN_START[column] + 40, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2


def choose(page, grid, row: int, column: str, option: str) -> None:
    """Open the cell's list and pick the option. After an earlier edit, a double click may only
    open the cell's editor without its list: one more click opens the list then."""
    choice = page.get_by_role("option", name=option, exact=True)
    wait_for_app(page)  # each edit reruns the page: edit the next cell once it has finished
    page.mouse.dblclick(*cell(page, grid, row, column))
    for _ in range(3):
        try:
            expect(choice).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            page.mouse.click(*cell(page, grid, row, column))
    choice.click()
    expect(table_rows(grid).nth(row + 1)).to_contain_text(option)


def type_in(page, grid, row: int, column: str, text: str) -> None:
    """Type in a text cell: its editor is a text area drawn over the table."""
    editor = page.locator("#portal textarea")
    wait_for_app(page)
    page.mouse.dblclick(*cell(page, grid, row, column))
    for _ in range(3):
        try:
            expect(editor).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            page.mouse.dblclick(*cell(page, grid, row, column))
    editor.fill(text)
    page.keyboard.press("Enter")
    expect(table_rows(grid).nth(row + 1)).to_contain_text(text)


def save_review(page) -> None:
    """Click "Enregistrer le bilan" once the rerun of the last edit has finished: during it, the
    page may still show the former run's button beside the new one."""
    wait_for_app(page)
    page.get_by_role("button", name="Enregistrer le bilan").click()


def test_organiser_locks_the_review_and_prescribers_read_it_in_three_places(server, person):
    base_url, database_url = server

    # 1. The pilot opens the review from the action's registrations.
    pilot = person()
    sign_in(pilot, base_url, "pilote")
    open_from_sidebar(pilot, "Mon tableau de bord")
    expect(pilot.get_by_text("Mes actions en tant qu'organisateur")).to_be_visible()
    wait_for_app(pilot)
    actions = pilot.get_by_test_id("stDataFrame").first
    click_in_row(pilot, actions, index_of_row(actions, RECRUITMENT), x=20)
    pilot.get_by_role("link", name=f"Traiter les inscriptions : {RECRUITMENT}").click()
    pilot.get_by_role("link", name=f"Bilan : {PAST_SESSION}").click()
    expect(pilot.get_by_role("heading", name="Présence et suites données")).to_be_visible()
    wait_for_app(pilot)

    # 2. Attendance and outcomes for the three candidates, one per employer, then saved at once.
    grid = pilot.get_by_test_id("stDataFrame").first
    expect(table_rows(grid)).to_have_count(4)
    assert index_of_row(grid, "NGUYEN Chloé") == 1
    choose(pilot, grid, 0, "Présence", "Présent")
    choose(pilot, grid, 0, "Logistique : suite", "Mission d'intérim")
    type_in(pilot, grid, 0, "Logistique : commentaire", "Démarre lundi")
    choose(pilot, grid, 0, "Propreté : suite", "1er entretien")
    choose(pilot, grid, 1, "Présence", "Présent")
    choose(pilot, grid, 1, "Logistique : suite", "CDI")
    choose(pilot, grid, 2, "Présence", "Excusé")
    save_review(pilot)
    expect(pilot.get_by_text("Le bilan est enregistré.")).to_be_visible()
    wait_for_app(pilot)

    # 3. Locked: the table no longer changes; the prescribers get an email with the link.
    pilot.get_by_text("Plus rien ne changera une fois verrouillé").click()
    pilot.get_by_role("button", name="Verrouiller le bilan").click()
    expect(
        pilot.get_by_text("Le bilan est verrouillé : les prescripteurs sont prévenus par email.")
    ).to_be_visible()
    expect(pilot.get_by_text(re.compile("^Bilan verrouillé le "))).to_be_visible()
    expect(pilot.get_by_role("button", name="Enregistrer le bilan")).to_have_count(0)
    engine = make_engine(database_url)
    with reading(engine) as db:
        emails = db.exec(
            select(OutboxEmail).where(OutboxEmail.subject.startswith("Bilan disponible"))
        ).all()
    engine.dispose()
    assert sorted(email.to_address for email in emails) == sorted(
        demo_email(key) for key in ("mission-locale", "france-travail", "referent-plie")
    )
    assert all("/bilan?session=" in email.body for email in emails)

    # 4. France Travail reads it from "Mes candidats"...
    prescriber = person()
    sign_in(prescriber, base_url, "france-travail")
    open_from_sidebar(prescriber, "Mon tableau de bord")
    expect(prescriber.get_by_role("heading", name="Mes candidats")).to_be_visible()
    wait_for_app(prescriber)
    prescriber.get_by_label("Rechercher un candidat ou une action").fill("nguyen")
    prescriber.keyboard.press("Enter")
    expect(prescriber.get_by_text(re.compile(r"\d+ lignes? pour cette recherche"))).to_be_visible()
    wait_for_app(prescriber)
    candidates = prescriber.get_by_test_id("stDataFrame").first
    line = table_rows(candidates).filter(has_text="NGUYEN Chloé")
    expect(line).to_contain_text("Présent")
    expect(line).to_contain_text("Logistique Alpes Express : CDI")
    click_in_row(prescriber, candidates, index_of_row(candidates, "NGUYEN Chloé"), x=20)
    prescriber.get_by_role("link", name=f"Consulter le bilan : {PAST_SESSION}").click()
    review = prescriber.get_by_test_id("stDataFrame").first
    expect(table_rows(review)).to_have_count(2)  # the header and their one candidate
    expect(table_rows(review).nth(1)).to_contain_text("NGUYEN Chloé")

    # ... from the action's "Mes inscriptions"...
    open_from_sidebar(prescriber, "Agenda")
    open_action_from_agenda(prescriber, RECRUITMENT)
    expect(prescriber.get_by_role("heading", name="Mes inscriptions")).to_be_visible()
    mine = prescriber.get_by_test_id("stDataFrame").last
    expect(table_rows(mine).filter(has_text="NGUYEN Chloé")).to_contain_text("Présent")
    expect(
        prescriber.get_by_role("link", name=f"Consulter le bilan : NGUYEN Chloé — {PAST_SESSION}")
    ).to_be_visible()

    # ... and from the registration itself.
    prescriber.get_by_role("link", name=f"NGUYEN Chloé — {PAST_SESSION} — Validé").click()
    expect(prescriber.get_by_text("Présence : Présent")).to_be_visible()
    expect(prescriber.get_by_text("Suite donnée : Logistique Alpes Express : CDI")).to_be_visible()
    expect(prescriber.get_by_role("link", name="Consulter le bilan")).to_be_visible()


def a_review_for_two_organisers(database_url: str) -> tuple[int, dict[str, int]]:
    """A recruitment session held 3 days ago with two employers (the demo's table layout),
    piloted by the demo's pilot with its copilot; two candidates."""
    engine = make_engine(database_url)
    with writing(engine) as db:
        people = {
            key: db.exec(select(Professional).where(Professional.email == demo_email(key))).one()
            for key in ("pilote", "copilote", "france-travail")
        }
        action, session = a_reviewable_action(db, pilot=people["pilote"])
        a_member(db, action, people["copilote"], MemberRole.COPILOT)
        employers_at(db, session, "Logistique", "Propreté")
        registrations = {
            name: a_registered_candidate(db, session, people["france-travail"], last_name=name).id
            for name in ("Arnaud", "Bastien")
        }
        session_id = session.id
    engine.dispose()
    return session_id, registrations


def attendance(database_url: str, registration_id: int) -> Attendance | None:
    engine = make_engine(database_url)
    with reading(engine) as db:
        entry = db.exec(
            select(ReviewEntry).where(ReviewEntry.registration_id == registration_id)
        ).first()
    engine.dispose()
    return entry.attendance if entry else None


def test_an_organiser_whose_edits_a_colleague_overtook_is_told_and_loses_nothing_saved(
    server, person
):
    base_url, database_url = server
    pilot, copilot = person(), person()
    sign_in(pilot, base_url, "pilote")  # the first page loads the demo
    sign_in(copilot, base_url, "copilote")
    session_id, registrations = a_review_for_two_organisers(database_url)
    grids = {}
    for page in (pilot, copilot):
        page.goto(f"{base_url}/bilan?session={session_id}")
        expect(page.get_by_role("heading", name="Présence et suites données")).to_be_visible()
        wait_for_app(page)
        grids[page] = page.get_by_test_id("stDataFrame").first

    # The copilot types an absence; meanwhile the pilot records a presence and saves.
    choose(copilot, grids[copilot], index_of_row(grids[copilot], "BASTIEN"), "Présence", "Absent")
    choose(pilot, grids[pilot], index_of_row(grids[pilot], "ARNAUD"), "Présence", "Présent")
    save_review(pilot)
    expect(pilot.get_by_text("Le bilan est enregistré.")).to_be_visible()

    # The copilot's save is not reported as done: their table shows the saved review instead.
    save_review(copilot)
    expect(
        copilot.get_by_text("vos dernières saisies n'ont pas été enregistrées", exact=False)
    ).to_be_visible()
    expect(copilot.get_by_text("Le bilan est enregistré.")).to_have_count(0)
    assert attendance(database_url, registrations["Arnaud"]) is Attendance.PRESENT
    assert attendance(database_url, registrations["Bastien"]) is None

    # Typed again on the fresh table, the absence is saved beside the presence.
    wait_for_app(copilot)
    grid = copilot.get_by_test_id("stDataFrame").first
    expect(table_rows(grid).filter(has_text="ARNAUD")).to_contain_text("Présent")
    choose(copilot, grid, index_of_row(grid, "BASTIEN"), "Présence", "Absent")
    save_review(copilot)
    expect(copilot.get_by_text("Le bilan est enregistré.")).to_be_visible()
    assert attendance(database_url, registrations["Arnaud"]) is Attendance.PRESENT
    assert attendance(database_url, registrations["Bastien"]) is Attendance.ABSENT


def test_the_page_of_a_review_cannot_change_while_its_entries_are_not_saved(server, person):
    """With more than a page of candidates, an entry typed and not saved keeps the review on
    its page (another page's table would start from the saved review and drop it)."""
    base_url, database_url = server
    pilot = person()
    sign_in(pilot, base_url, "pilote")
    engine = make_engine(database_url)
    with writing(engine) as db:
        people = {
            key: db.exec(select(Professional).where(Professional.email == demo_email(key))).one()
            for key in ("pilote", "france-travail")
        }
        action, session = a_reviewable_action(db, pilot=people["pilote"])
        employers_at(db, session, "Logistique", "Propreté")  # the layout of COLUMN_START
        for number in range(paging.PAGE_SIZE + 1):
            a_registered_candidate(
                db, session, people["france-travail"], last_name=f"Nombreux{number:03d}"
            )
        session_id = session.id
    engine.dispose()

    pilot.goto(f"{base_url}/bilan?session={session_id}")
    expect(pilot.get_by_role("heading", name="Présence et suites données")).to_be_visible()
    wait_for_app(pilot)
    page_number = pilot.get_by_label("Page (sur 2)")
    expect(page_number).to_be_enabled()

    grid = pilot.get_by_test_id("stDataFrame").first
    choose(pilot, grid, 0, "Présence", "Excusé")
    wait_for_app(pilot)
    expect(page_number).to_be_disabled()
    unsaved = pilot.get_by_text("Saisies non enregistrées sur cette page", exact=False)
    expect(unsaved).to_be_visible()

    save_review(pilot)
    expect(pilot.get_by_text("Le bilan est enregistré.")).to_be_visible()
    expect(page_number).to_be_enabled()
