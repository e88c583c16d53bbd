"""The sign-in page once ProConnect is configured (AppTest, secrets given to the app)."""

from urllib.parse import parse_qs, urlparse

import pytest
from streamlit import auth_util
from streamlit.testing.v1 import AppTest
from streamlit.web.server.starlette import starlette_auth_routes

from plie import accounts
from plie.db import writing
from tests.ui_support import (
    HOME,
    RUN_TIMEOUT,
    demo_email,
    open_page,
    sign_in,
    use_fresh_database,
)
from ui import auth

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-cookie-secret-for-the-page-tests",
    "expose_tokens": ["id", "access"],
    "proconnect": {
        "client_id": "plie-connect-test",
        "client_secret": "a-client-secret-for-the-page-tests",
        "server_metadata_url": "https://fca.integ01.dev-agentconnect.fr/api/v2/.well-known/"
        "openid-configuration",
        "client_kwargs": {
            "scope": "openid email given_name usual_name siret idp_id",
            "prompt": "login",
            "token_endpoint_auth_method": "client_secret_post",
        },
    },
}


def app_with(monkeypatch, tmp_path, auth: dict) -> AppTest:
    use_fresh_database(monkeypatch, tmp_path)
    app = AppTest.from_file(HOME, default_timeout=RUN_TIMEOUT)
    app.secrets["auth"] = auth
    app.run()
    return app


@pytest.fixture
def app(monkeypatch, tmp_path):
    app = app_with(monkeypatch, tmp_path, AUTH)
    assert not app.exception, app.exception
    return app


def test_the_sign_in_page_offers_proconnect_first(app):
    open_page(app, "signin")

    assert app.button[0].label == "S'identifier avec ProConnect"


def test_a_demo_account_the_admin_allowed_still_signs_in_locally(app):
    sign_in(app, "france-travail")

    assert app.session_state["sign_in_kind"] == "local"


def test_a_local_account_nobody_allowed_is_sent_to_proconnect(app):
    with writing() as db:
        professional = accounts.professional_by_email(db, email=demo_email("ccas"))
        professional.local_sign_in_allowed = False
        db.add(professional)
        db.commit()

    sign_in(app, "ccas")

    assert [error.value for error in app.error] == [accounts.LOCAL_NOT_ALLOWED]
    assert "user_id" not in app.session_state


def test_a_configuration_proconnect_would_reject_stops_the_app_with_its_reason(
    monkeypatch, tmp_path
):
    wrong = {**AUTH, "proconnect": {**AUTH["proconnect"], "client_kwargs": {"scope": "openid"}}}

    app = app_with(monkeypatch, tmp_path, wrong)

    assert "Invalid ProConnect configuration" in app.error[0].value
    assert 'prompt must be "login"' in app.error[0].value


def test_streamlits_sign_out_sends_proconnect_a_state(monkeypatch):
    # Streamlit 1.67's own builder, which sends no state (home.py may have wrapped it already).
    monkeypatch.setattr(starlette_auth_routes, "build_logout_url", auth_util.build_logout_url)

    auth.send_state_on_sign_out()
    auth.send_state_on_sign_out()  # once per server, however often it is called
    url = starlette_auth_routes.build_logout_url(
        end_session_endpoint="https://auth.agentconnect.gouv.fr/api/v2/session/end",
        client_id="plie-connect",
        post_logout_redirect_uri="https://plie.example/oauth2callback",
        id_token="header.payload.signature",
    )

    sent = parse_qs(urlparse(url).query)
    assert len(sent["state"][0]) >= 32
    assert sent["id_token_hint"] == ["header.payload.signature"]
    assert sent["post_logout_redirect_uri"] == ["https://plie.example/oauth2callback"]
    assert urlparse(url).path == "/api/v2/session/end"


def test_a_proconnect_professional_finds_the_link_to_change_their_details(app):
    with writing() as db:
        professional = accounts.professional_by_email(db, email=demo_email("france-travail"))
        professional.proconnect_sub = "sub-of-the-france-travail-agent"
        db.add(professional)
        db.commit()
    sign_in(app, "france-travail")

    open_page(app, "dashboard")

    links = {link.proto.label: link.proto.url for link in app.get("link_button")}
    assert links["Modifier mes informations sur ProConnect"] == (
        "https://identite-sandbox.proconnect.gouv.fr/personal-information"
    )
