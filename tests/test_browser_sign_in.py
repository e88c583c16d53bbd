"""Staying signed in with a local account across reloads and tabs, and staying signed out."""

import re
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


def wait_for_cookie(page, name: str, *, present: bool) -> None:
    """The browser stores the sign-in cookie a moment after the page shows the sign-in."""
    wait_until(
        page,
        lambda: (name in {cookie["name"] for cookie in page.context.cookies()}) == present,
        f"cookie {name} {'written' if present else 'removed'}",
    )


def wait_until(page, condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen")
        page.wait_for_timeout(50)


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
    # Signed out, the person is on the agenda, not asked to sign in on the page just left.
    expect(page.get_by_role("heading", name="Agenda des actions du PLIE")).to_be_visible()
    expect(page.get_by_text("Connectez-vous pour accéder à cette page")).to_have_count(0)
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
    # The pages of other roles stay out of the sidebar.
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name="Inscriptions de mes actions")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Administration")).to_have_count(0)


class HeldCookieReport:
    """The app's WebSocket, routed: the browser's report that it wrote a cookie is held back.

    The report reruns the page that the browser shows when it leaves; held until `release`,
    it reaches the app only after whatever the person did meanwhile, as on a slow machine.
    """

    def __init__(self, page):
        self.page, self.held, self.answers = page, [], 0
        page.route_web_socket(re.compile(r"/_stcore/stream$"), self._route)

    def _route(self, socket):
        self.server = socket.connect_to_server()
        socket.on_message(self._from_page)
        self.server.on_message(lambda message: self._from_server(socket, message))

    def _from_page(self, message):
        # The report is the first message naming the writer; later ones carry its state along.
        if not self.held and isinstance(message, bytes) and b"plie_cookie_writer" in message:
            self.held.append(message)
        else:
            self.server.send(message)

    def _from_server(self, socket, message):
        self.answers += 1
        socket.send(message)

    def wait_for_report(self) -> None:
        wait_until(self.page, lambda: self.held, "the browser's report of the cookie")

    def release(self) -> None:
        """Send the report on, and wait until the app has run what it asked."""
        before = self.answers
        self.server.send(self.held[0])
        wait_until(self.page, lambda: self.answers > before, "the app's answer to the report")
        journey.wait_for_app(self.page)


def test_a_sidebar_click_just_after_sign_in_is_not_undone_by_the_cookie_report(server, pages):
    base_url, _ = server
    page = pages()
    socket = HeldCookieReport(page)
    sign_in(page, base_url, "pilote")
    socket.wait_for_report()
    agenda = page.get_by_test_id("stSidebar").get_by_role("link", name="Agenda")
    heading = page.get_by_role("heading", name="Agenda des actions du PLIE")

    if agenda.is_visible():
        # Offered while the report is on its way: the app runs the click, then the report.
        agenda.click()
        expect(heading).to_be_visible()
        journey.wait_for_app(page)
        socket.release()
    else:
        socket.release()
        agenda.click()

    expect(heading).to_be_visible()
    journey.wait_for_app(page)
    expect(heading).to_be_visible()
