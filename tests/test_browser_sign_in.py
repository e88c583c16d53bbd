"""Staying signed in with a local account across reloads and tabs, and staying signed out."""

import time

import pytest

from tests import test_browser_journey as journey
from tests.ui_support import demo_email
from ui.sitemap import SIGNED_IN_PAGES

# The journey's fixtures: its app server, one Chromium, one browser context per person.
server = journey.server
browser = journey.browser
pages = journey.pages
sign_in = journey.sign_in
fill_sign_in = journey.fill_sign_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def signed_in_as(page, key: str):
    return page.get_by_test_id("stSidebar").get_by_text(f"Connecté·e : {demo_email(key)}")


def wait_for_cookie(page, name: str, *, present: bool, timeout: float = 30) -> None:
    """The browser stores the sign-in cookie a moment after the page shows the sign-in."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (name in {cookie["name"] for cookie in page.context.cookies()}) == present:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"cookie {name} {'never written' if present else 'still there'}")


def test_a_local_sign_in_survives_a_reload_and_a_new_tab_and_a_sign_out_lasts(server, pages):
    base_url, _ = server
    page = pages()
    sign_in(page, base_url, "mission-locale")
    wait_for_cookie(page, "plie_connect_session", present=True)

    page.reload()
    expect(signed_in_as(page, "mission-locale")).to_be_visible()
    other_tab = page.context.new_page()
    other_tab.goto(f"{base_url}/tableau-de-bord")
    expect(signed_in_as(other_tab, "mission-locale")).to_be_visible()
    expect(other_tab.get_by_role("heading", name="Mon tableau de bord")).to_be_visible()
    other_tab.close()

    page.get_by_test_id("stSidebar").get_by_role("button", name="Déconnexion").click()
    expect(
        page.get_by_test_id("stSidebar").get_by_role("link", name="Se connecter")
    ).to_be_visible()
    wait_for_cookie(page, "plie_connect_session", present=False)
    page.reload()
    expect(
        page.get_by_test_id("stSidebar").get_by_role("link", name="Se connecter")
    ).to_be_visible()
    expect(signed_in_as(page, "mission-locale")).to_have_count(0)


def test_every_address_opened_signed_out_asks_in_french_and_the_dashboard_follows_sign_in(
    server, pages
):
    base_url, _ = server
    page = pages()
    main = page.get_by_test_id("stMain")
    for entries in SIGNED_IN_PAGES.values():
        for entry in entries:
            page.goto(f"{base_url}/{entry.url_path}")

            # Streamlit's "Page not found" would run the agenda at the app's root instead.
            expect(main.get_by_text("Connectez-vous pour accéder à cette page.")).to_be_visible()
            assert page.url == f"{base_url}/{entry.url_path}"

    page.goto(f"{base_url}/tableau-de-bord")
    main.get_by_role("link", name="Se connecter en tant que prescripteur").click()
    fill_sign_in(page, "pilote")

    expect(main.get_by_role("heading", name="Mon tableau de bord")).to_be_visible()
    expect(page).to_have_url(f"{base_url}/tableau-de-bord")
