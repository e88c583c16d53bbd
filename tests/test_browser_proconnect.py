"""Signing in with ProConnect in headless Chromium, against a real provider on 127.0.0.1."""

from urllib.parse import urlparse

import pytest
from sqlmodel import select

from plie.db import make_engine, reading
from plie.models import Professional, Structure
from tests import test_browser_journey as journey
from tests.oidc_support import node_available, oidc_provider, write_secrets
from tests.test_browser_sign_in import wait_for_cookie
from tests.ui_support import ARTIFACTS, free_port, streamlit_server

# The browser fixtures of the journey: one Chromium, one context per person.
browser = journey.browser
pages = journey.pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not node_available(), reason="Node.js runs the test provider"),
]
expect = pytest.importorskip("playwright.sync_api").expect

METROPOLE_SIRET = "20004050900013"  # a structure of the demo data
AGENT = {
    "sub": "proconnect-sub-1",
    "email": "Sam.Orienteur@grenoblealpesmetropole.fr",
    "given_name": "Sam",
    "usual_name": "Orienteur",
    "siret": METROPOLE_SIRET,
    "phone_number": "0476000000",
    "idp_id": "idp-metropole",
    "custom": {},
}
ACCOUNTS = {
    "sam": AGENT,
    # The same person after recreating their ProConnect account: a new sub, the same email.
    "sam-recreated": {**AGENT, "sub": "proconnect-sub-2"},
}


@pytest.fixture(scope="module")
def app_with_proconnect(tmp_path_factory):
    directory = tmp_path_factory.mktemp("proconnect")
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    database_url = f"sqlite:///{directory / 'plie.db'}"
    with oidc_provider(
        redirect_uri=redirect_uri, accounts=ACCOUNTS, log_file=ARTIFACTS / "oidc-provider.log"
    ) as (discovery, client_secret):
        secrets_file = write_secrets(
            directory / "secrets.toml",
            redirect_uri=redirect_uri,
            discovery=discovery,
            client_secret=client_secret,
        )
        with streamlit_server(
            database_url,
            ARTIFACTS / "streamlit-proconnect.log",
            port=port,
            extra_args=("--secrets.files", str(secrets_file)),
        ) as base_url:
            yield base_url, database_url


@pytest.fixture
def person(pages):
    """A browser that may reach this machine only."""
    page = pages()

    def only_this_machine(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    page.context.route("**/*", only_this_machine)
    return page


def professional_named(database_url: str, email: str) -> Professional | None:
    engine = make_engine(database_url)
    with reading(engine) as db:
        found = db.exec(select(Professional).where(Professional.email == email)).first()
        structure = db.get(Structure, found.structure_id) if found else None
    engine.dispose()
    return found, structure


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def sign_in_with_proconnect(page, base_url: str, login: str) -> None:
    page.goto(f"{base_url}/connexion")
    page.get_by_role("button", name="S'identifier avec ProConnect").click()
    page.get_by_label("Identifiant de test").fill(login)
    page.get_by_role("button", name="Se connecter").click()


def test_proconnect_signs_in_a_new_prescriber_finds_them_again_and_signs_out(
    app_with_proconnect, person
):
    base_url, database_url = app_with_proconnect
    email = AGENT["email"].lower()

    # 1. First sign-in: a prescriber is created and attached to the Métropole by its SIRET.
    sign_in_with_proconnect(person, base_url, "sam")
    expect(sidebar(person).get_by_text(f"Connecté·e : {email}")).to_be_visible()
    professional, structure = professional_named(database_url, email)
    assert (professional.first_name, professional.last_name) == ("Sam", "Orienteur")
    assert professional.proconnect_sub == "proconnect-sub-1"
    assert structure.name == "Grenoble Alpes Métropole"
    assert not (professional.can_pilot or professional.is_admin)

    # 2. A reload keeps the sign-in (Streamlit's cookie); the dashboard is the prescriber's.
    person.goto(f"{base_url}/tableau-de-bord")
    expect(sidebar(person).get_by_text(f"Connecté·e : {email}")).to_be_visible()
    expect(person.get_by_role("heading", name="Mes candidats")).to_be_visible()

    # 3. Sign-out ends ProConnect's session too, and a reload stays signed out.
    ended = []
    person.on("request", lambda request: ended.append(request.url))
    sidebar(person).get_by_role("button", name="Déconnexion").click()
    expect(sidebar(person).get_by_role("link", name="Se connecter")).to_be_visible()
    wait_for_cookie(person, "_streamlit_user", present=False)
    person.reload()
    expect(sidebar(person).get_by_role("link", name="Se connecter")).to_be_visible()
    end_session = [url for url in ended if "/api/v2/session/end" in url]
    assert end_session and "id_token_hint=" in end_session[0]

    # 4. The recreated account (new sub, same email) is the same professional; ProConnect
    #    asks for the login again (prompt=login), its session having ended.
    sign_in_with_proconnect(person, base_url, "sam-recreated")
    expect(sidebar(person).get_by_text(f"Connecté·e : {email}")).to_be_visible()
    again, _ = professional_named(database_url, email)
    assert again.id == professional.id
    assert again.proconnect_sub == "proconnect-sub-2"

    # Nothing about the tokens reached the app's log (a JWT starts with "eyJ").
    assert "eyJ" not in (ARTIFACTS / "streamlit-proconnect.log").read_text()


def test_a_sign_in_refused_at_proconnect_is_explained_in_french_with_a_retry(
    app_with_proconnect, person
):
    base_url, _ = app_with_proconnect

    person.goto(f"{base_url}/connexion")
    person.get_by_role("button", name="S'identifier avec ProConnect").click()
    person.get_by_role("button", name="Refuser").click()

    expect(person.get_by_text("La connexion avec ProConnect n'a pas abouti")).to_be_visible()
    expect(person.get_by_role("button", name="Réessayer avec ProConnect")).to_be_visible()
