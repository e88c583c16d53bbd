"""Signing in with ProConnect in headless Chromium, against a real provider on 127.0.0.1."""

from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import func, select

from plie import proconnect
from plie.db import make_engine, reading
from plie.models import Professional, Structure
from tests import test_browser_journey as journey
from tests.oidc_support import (
    answer_userinfo,
    date_logins_back,
    node_available,
    oidc_provider,
    provider_state,
    write_secrets,
)
from tests.test_browser_sign_in import wait_for_cookie
from tests.ui_support import ARTIFACTS, demo_email, free_port, streamlit_server

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
    # Someone the PLIE does not know yet, and a demo professional (CCAS) signing in with
    # ProConnect for the first time, under other names.
    "newcomer": {**AGENT, "sub": "proconnect-sub-new", "email": "nouvelle.venue@example.fr"},
    "known": {
        **AGENT,
        "sub": "proconnect-sub-known",
        "email": demo_email("ccas"),
        "given_name": "Prénom-Changé",
        "usual_name": "NOM-CHANGÉ",
    },
    "late": {**AGENT, "sub": "proconnect-sub-late", "email": "arrivee.tardive@example.fr"},
}
APP_LOG = ARTIFACTS / "streamlit-proconnect.log"


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
            APP_LOG,
            port=port,
            extra_args=("--secrets.files", str(secrets_file)),
        ) as base_url:
            yield SimpleNamespace(base_url=base_url, database_url=database_url, discovery=discovery)


@pytest.fixture(autouse=True)
def honest_provider(app_with_proconnect):
    """Each test starts and ends with the provider answering as ProConnect does."""
    answer_userinfo(app_with_proconnect.discovery, "valid")
    date_logins_back(app_with_proconnect.discovery, 0)
    yield
    answer_userinfo(app_with_proconnect.discovery, "valid")
    date_logins_back(app_with_proconnect.discovery, 0)


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


def professionals(database_url: str) -> tuple[int, list[str]]:
    """How many professionals there are, and the ProConnect subs they carry."""
    engine = make_engine(database_url)
    with reading(engine) as db:
        count = db.exec(select(func.count()).select_from(Professional)).one()
        subs = db.exec(
            select(Professional.proconnect_sub).where(Professional.proconnect_sub.is_not(None))
        ).all()
    engine.dispose()
    return count, sorted(subs)


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
    base_url, database_url = app_with_proconnect.base_url, app_with_proconnect.database_url
    discovery = app_with_proconnect.discovery
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

    # 3. Sign-out ends ProConnect's session too, with what ProConnect requires on its
    #    end-session endpoint (the stand-in refuses a request without them), and a reload
    #    stays signed out.
    before = provider_state(discovery)
    ended = []
    person.on("request", lambda request: ended.append(request.url))
    sidebar(person).get_by_role("button", name="Déconnexion").click()
    expect(sidebar(person).get_by_role("link", name="Se connecter")).to_be_visible()
    wait_for_cookie(person, "_streamlit_user", present=False)
    person.reload()
    expect(sidebar(person).get_by_role("link", name="Se connecter")).to_be_visible()
    expect(sidebar(person).get_by_text("Connecté·e")).to_have_count(0)
    end_session = [url for url in ended if urlparse(url).path == "/api/v2/session/end"]
    assert len(end_session) == 1
    sent = parse_qs(urlparse(end_session[0]).query)
    assert sent["id_token_hint"][0].count(".") == 2
    assert len(sent["state"][0]) >= 32
    assert sent["post_logout_redirect_uri"] == [f"{base_url}/oauth2callback"]
    after = provider_state(discovery)
    assert after["ended_sessions"] == before["ended_sessions"] + 1
    assert after["refused_end_sessions"] == before["refused_end_sessions"]

    # 4. Signing in again asks for the login (prompt=login, ProConnect's session having
    #    ended); the recreated account (new sub, same email) is the same professional.
    person.goto(f"{base_url}/connexion")
    person.get_by_role("button", name="S'identifier avec ProConnect").click()
    expect(person.get_by_label("Identifiant de test")).to_be_visible()
    person.get_by_label("Identifiant de test").fill("sam-recreated")
    person.get_by_role("button", name="Se connecter").click()
    expect(sidebar(person).get_by_text(f"Connecté·e : {email}")).to_be_visible()
    again, _ = professional_named(database_url, email)
    assert again.id == professional.id
    assert again.proconnect_sub == "proconnect-sub-2"

    # Nothing about the tokens reached the app's log (a JWT starts with "eyJ").
    assert "eyJ" not in APP_LOG.read_text()


def test_a_sign_in_refused_at_proconnect_is_explained_in_french_with_a_retry(
    app_with_proconnect, person
):
    base_url = app_with_proconnect.base_url

    person.goto(f"{base_url}/connexion")
    person.get_by_role("button", name="S'identifier avec ProConnect").click()
    person.get_by_role("button", name="Refuser").click()

    expect(person.get_by_text("La connexion avec ProConnect n'a pas abouti")).to_be_visible()
    expect(person.get_by_role("button", name="Réessayer avec ProConnect")).to_be_visible()


@pytest.mark.parametrize(
    ("answer", "login"),
    [
        ("forged", "newcomer"),
        ("expired", "known"),
        ("wrong-audience", "newcomer"),
        ("wrong-issuer", "known"),
    ],
)
def test_a_forged_or_expired_userinfo_is_refused_and_changes_nobody(
    app_with_proconnect, person, answer, login
):
    base_url, database_url = app_with_proconnect.base_url, app_with_proconnect.database_url
    discovery = app_with_proconnect.discovery
    known_before, _ = professional_named(database_url, demo_email("ccas"))
    count_before, subs_before = professionals(database_url)
    answer_userinfo(discovery, answer)

    sign_in_with_proconnect(person, base_url, login)

    expect(person.get_by_text(proconnect.REFUSED)).to_be_visible()
    expect(person.get_by_role("button", name="Réessayer avec ProConnect")).to_be_visible()
    expect(sidebar(person).get_by_text("Connecté·e")).to_have_count(0)
    # The provider did answer (the refusal is the app's), and nobody was created or updated.
    sent = provider_state(discovery)
    assert sent["userinfo"] and sent["access_token"]
    assert professionals(database_url) == (count_before, subs_before)
    known_after, _ = professional_named(database_url, demo_email("ccas"))
    assert (known_after.first_name, known_after.last_name, known_after.proconnect_sub) == (
        known_before.first_name,
        known_before.last_name,
        None,
    )
    # Neither the access token nor the userinfo JWT reached the app's log.
    log = APP_LOG.read_text()
    assert "proconnect_userinfo_invalid" in log
    assert sent["access_token"] not in log
    assert sent["userinfo"] not in log
    assert sent["userinfo"].split(".")[1] not in log
    assert "eyJ" not in log


def test_a_proconnect_session_of_12_hours_ends_on_the_sign_in_page_with_a_message(
    app_with_proconnect, person
):
    base_url, discovery = app_with_proconnect.base_url, app_with_proconnect.discovery
    before = provider_state(discovery)
    # The provider dates the authentication 12 hours and a minute back (auth_time).
    date_logins_back(discovery, 12 * 3600 + 60)

    sign_in_with_proconnect(person, base_url, "late")

    expect(person.get_by_role("heading", name="Se connecter")).to_be_visible()
    expect(person.get_by_text("Votre session a duré 12 heures")).to_be_visible()
    expect(person.get_by_role("button", name="Réessayer avec ProConnect")).to_be_visible()
    expect(sidebar(person).get_by_text("Connecté·e")).to_have_count(0)
    assert urlparse(person.url).path == "/connexion"
    wait_for_cookie(person, "_streamlit_user", present=False)
    # ProConnect's session was ended too, and the message is said once.
    assert provider_state(discovery)["ended_sessions"] == before["ended_sessions"] + 1
    wait_for_cookie(person, "plie_connect_session_expired", present=False)
    person.reload()
    expect(person.get_by_role("heading", name="Se connecter")).to_be_visible()
    expect(person.get_by_text("Votre session a duré 12 heures")).to_have_count(0)
