"""The main journey in headless Chromium against `streamlit run`: orient, triage, follow up."""

import re
from datetime import date

import pytest
from sqlmodel import select

from plie.db import make_engine, reading
from plie.demo import DEMO_PASSWORD
from plie.models import Action, Candidate
from tests.ui_support import ARTIFACTS, BUILDING_SITE, demo_email, streamlit_server

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A rerun on a busy two-core machine can take a few seconds; wait for text, never sleep.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)
NEW_CANDIDATE = ("Essai-Parcours", "Zoé", date(1991, 3, 14))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{directory / 'plie.db'}"
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(url, ARTIFACTS / "streamlit.log") as base_url:
        yield base_url, url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def pages(browser, request):
    """New browser contexts (one per person); screenshots of each if the test fails."""
    opened = []
    failures_before = request.session.testsfailed

    def open_as_new_person():
        context = browser.new_context(locale="fr-FR", viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        opened.append(page)
        return page

    yield open_as_new_person
    # The call's report is counted before the fixtures are torn down.
    failed = request.session.testsfailed > failures_before
    for index, page in enumerate(opened):
        if failed:
            page.screenshot(path=ARTIFACTS / f"{request.node.name}-{index}.png", full_page=True)
        page.context.close()


def wait_for_app(page):
    """The rerun that the last interaction asked, if any, has finished.

    Streamlit's running indicator shows only after a delay, so a fast rerun may never show it:
    wait a moment for the app's script state to become "running", then for "notRunning".
    """
    page.wait_for_load_state("domcontentloaded")
    app = page.locator(".stApp")
    try:
        expect(app).to_have_attribute("data-test-script-state", "running", timeout=1500)
    except AssertionError:
        pass  # it ran and stopped already, or nothing asked a rerun
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=WAIT_MS)


def sign_in(page, base_url: str, key: str) -> None:
    page.goto(f"{base_url}/connexion")
    fill_sign_in(page, key)


def fill_sign_in(page, key: str) -> None:
    """Sign in with a demo account on the sign-in page that the browser shows."""
    page.get_by_label("Adresse email").fill(demo_email(key))
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text(f"Connecté·e : {demo_email(key)}")).to_be_visible()
    # The browser stores the sign-in cookie a moment later: a link opened before would not know
    # the person.
    page.wait_for_function("document.cookie.includes('plie_connect_session=')")


def type_french_date(scope, label: str, day: date) -> None:
    """A date field is three spin buttons; typed digits move from day to year."""
    scope.get_by_role("spinbutton", name=f"day, {label}").click()
    scope.page.keyboard.type(day.strftime("%d%m%Y"))
    scope.page.keyboard.press("Escape")  # closes the calendar that the click opened


def search(page, last: str, first: str, born: date) -> None:
    form = page.get_by_test_id("stForm").first
    form.get_by_label("Nom *", exact=True).fill(last)
    form.get_by_label("Prénom *", exact=True).fill(first)
    type_french_date(form, "Date de naissance *", born)
    form.get_by_role("button", name="Créer ou rechercher le candidat").click()


def demo_ids(database_url: str) -> tuple[int, Candidate]:
    engine = make_engine(database_url)
    with reading(engine) as db:
        action_id = db.exec(select(Action.id).where(Action.title == BUILDING_SITE)).one()
        lefevre = db.exec(select(Candidate).where(Candidate.last_name == "Lefèvre")).first()
    engine.dispose()
    return action_id, lefevre


ROW_HEIGHT = 35  # Streamlit's default row height, the header's too


def table_rows(grid):
    """The rows of a table: drawn on a canvas, also written in a hidden table for screen readers."""
    return grid.locator("[role=row]")


def click_in_row(page, grid, row_index: int, x: float) -> None:
    """Click `x` pixels from the left of a canvas table, in data row `row_index` (0 first)."""
    box = grid.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + ROW_HEIGHT * (row_index + 1) + ROW_HEIGHT / 2)


def index_of_row(grid, text: str) -> int:
    rows = table_rows(grid)
    expect(rows.filter(has_text=text)).to_have_count(1)
    data_rows = [rows.nth(i).text_content() for i in range(1, rows.count())]
    return next(i for i, row in enumerate(data_rows) if text in row)


def open_action_from_agenda(page, title: str) -> None:
    """Click the link of the action's own card: the one link whose card holds the title."""
    expect(page.get_by_role("heading", name="Agenda des actions du PLIE")).to_be_visible()
    wait_for_app(page)
    page.wait_for_function(FIND_ACTION_LINK, arg=title, timeout=WAIT_MS)
    href = page.evaluate(FIND_ACTION_LINK, title)
    assert href, f"no link to the action {title!r} on the agenda"
    page.locator(f'a[href="{href}"]').first.click()


# The href of the one action link whose card (its nearest block holding the title) holds no
# other action link; null until the agenda shows it.
FIND_ACTION_LINK = """(title) => {
    for (const link of document.querySelectorAll('a[href^="action?id="]')) {
        let card = link.parentElement;
        while (card && !card.innerText.includes(title)) card = card.parentElement;
        if (card && card.querySelectorAll('a[href^="action?id="]').length === 1) {
            return link.getAttribute("href");
        }
    }
    return null;
}"""


def open_from_sidebar(page, name: str) -> None:
    """Click a page of the sidebar and wait for it (its title holds the link's words)."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=name).click()
    title = page.get_by_test_id("stMain").get_by_role("heading", name=name, exact=False).first
    expect(title).to_be_visible()
    wait_for_app(page)


def test_prescriber_orients_a_new_candidate_and_the_pilot_validates_it(server, pages):
    base_url, database_url = server
    last, first, born = NEW_CANDIDATE

    # 1. The prescriber opens the agenda and the action, and ticks its session.
    prescriber = pages()
    sign_in(prescriber, base_url, "france-travail")
    action_id, lefevre = demo_ids(database_url)
    open_from_sidebar(prescriber, "Agenda")
    open_action_from_agenda(prescriber, BUILDING_SITE)
    expect(prescriber.get_by_role("heading", name=BUILDING_SITE)).to_be_visible()
    expect(prescriber.get_by_text("Places restantes : 29")).to_be_visible()
    expect(prescriber.get_by_text("Limite d'inscription :").first).to_be_visible()
    wait_for_app(prescriber)
    prescriber.get_by_test_id("stCheckbox").filter(has_text="Choisir cette session").first.locator(
        "label"
    ).click()
    expect(prescriber.get_by_role("checkbox", name="Choisir cette session").first).to_be_checked()
    prescriber.get_by_role(
        "button", name="Inscrire un nouveau candidat aux sessions cochées"
    ).click()

    # 2. "lefe" finds Lefèvre; a name nobody has opens the creation form.
    expect(prescriber.get_by_text("NOUVEAU CANDIDAT", exact=True)).to_be_visible()
    search(prescriber, "lefe", lefevre.first_name[:3].lower(), lefevre.birth_date)
    expect(prescriber.get_by_role("button", name=f"Choisir {lefevre.display_name}")).to_be_visible()
    search(prescriber, last, first, born)
    expect(prescriber.get_by_text("Aucun candidat existant ne correspond")).to_be_visible()
    form = prescriber.get_by_test_id("stForm").nth(1)
    expect(form.get_by_label("Nom *", exact=True)).to_have_value(last)
    form.get_by_text("Femme", exact=True).click()
    form.get_by_label("Téléphone *").fill("06 39 98 55 01")
    form.get_by_label("Adresse *").fill("5 rue des Essais, 38100 Grenoble")
    form.get_by_test_id("stSelectbox").filter(has_text="Niveau de qualification").click()
    prescriber.get_by_role("option", name=re.compile("^Niveau 3 – CAP, BEP")).click()
    form.get_by_role("button", name="Ajouter un candidat et poursuivre l'inscription").click()

    # 3. The statistics of an action without eligibility, then sent for good: it waits for the
    # organisers.
    send = prescriber.get_by_role("button", name="Enregistrer définitivement les sessions cochées")
    expect(send).to_be_visible()
    prescriber.get_by_test_id("stCheckbox").filter(has_text="Aucun").locator("label").click()
    expect(prescriber.get_by_role("checkbox", name="Aucun")).to_be_checked()
    wait_for_app(prescriber)
    send.click()
    expect(prescriber.get_by_text("Etat de l'inscription : En attente - à traiter")).to_be_visible()
    expect(prescriber.get_by_role("button", name="🗑 Supprimer l'inscription")).to_be_visible()
    registration_url = prescriber.url
    assert re.search(r"/inscription\?id=\d+$", registration_url)

    # 4. The pilot sees the action as organiser and validates the registration.
    pilot = pages()
    sign_in(pilot, base_url, "pilote")
    open_from_sidebar(pilot, "Mon tableau de bord")
    expect(pilot.get_by_text("Mes actions en tant qu'organisateur")).to_be_visible()
    actions = pilot.get_by_test_id("stDataFrame").first
    click_in_row(pilot, actions, index_of_row(actions, BUILDING_SITE), x=20)
    pilot.get_by_role("link", name=f"Traiter les inscriptions : {BUILDING_SITE}").click()
    expect(pilot).to_have_url(re.compile(rf"/inscriptions\?action={action_id}$"))
    expect(pilot.get_by_role("heading", name=f"Inscriptions : {BUILDING_SITE}")).to_be_visible()
    pilot.get_by_label("Rechercher un candidat").fill(last)
    pilot.get_by_label("Rechercher un candidat").press("Enter")
    expect(pilot.get_by_text("Tout sélectionner (1 ligne)")).to_be_visible()
    wait_for_app(pilot)
    # The table of registrations comes after the table of places left per session.
    triage = pilot.get_by_test_id("stDataFrame").last
    expect(table_rows(triage)).to_have_count(2)
    click_in_row(pilot, triage, 0, x=50)  # the checkbox, centred in "Sélection"
    expect(pilot.get_by_text("1 inscription sélectionnée")).to_be_visible()
    pilot.get_by_test_id("stSelectbox").filter(has_text="Nouvel état").click()
    pilot.get_by_role("option", name="Validé", exact=True).click()
    pilot.get_by_role("button", name="Appliquer aux inscriptions sélectionnées").click()
    expect(pilot.get_by_text("1 inscription passée à l'état « Validé ».")).to_be_visible()

    # 5. The prescriber sees it validated; only "Se désinscrire" remains.
    open_from_sidebar(prescriber, "Mon tableau de bord")
    expect(prescriber.get_by_role("heading", name="Mes candidats")).to_be_visible()
    candidates = prescriber.get_by_test_id("stDataFrame").first
    expect(table_rows(candidates).filter(has_text=last)).to_contain_text("Validé")
    open_from_sidebar(prescriber, "Agenda")
    open_action_from_agenda(prescriber, BUILDING_SITE)
    prescriber.get_by_role(
        "link", name=re.compile(f"^{last.upper()} {first} — .* — Validé$")
    ).click()
    expect(prescriber).to_have_url(registration_url)
    expect(prescriber.get_by_text("Etat de l'inscription : Validé")).to_be_visible()
    expect(prescriber.get_by_role("button", name="Se désinscrire")).to_be_visible()
    expect(prescriber.get_by_role("button", name="🗑 Supprimer l'inscription")).to_have_count(0)
