"""In headless Chromium: text that organisers and prescribers write is shown as text.

An action whose title, summary, description, place and job offers carry HTML, a script and
Markdown is read by a visitor and by a prescriber: nothing runs, nothing is rendered as markup,
and the characters typed are all shown.
"""

from datetime import timedelta

import pytest
from sqlmodel import select

from plie.dates import paris_instant, today_in_paris
from plie.db import make_engine, writing
from plie.enums import ActionType, MemberRole, SessionKind
from plie.models import Action, ActionMember, Employer, Professional, Session
from tests import test_browser_journey as journey
from tests.test_browser_journey import expect, wait_for_app

pytestmark = pytest.mark.browser
server, browser, pages = journey.server, journey.browser, journey.pages

TITLE = 'Atelier <img src=x onerror="window.pwned=1"> **gras**'
DESCRIPTION = (
    "<script>window.pwned=2</script>\n[Cliquez ici](javascript:window.pwned=3) "
    "<b>important</b> ${1+1} {{7*7}}"
)
OFFERS = '<iframe src="javascript:window.pwned=4"></iframe> Cariste [CACES](http://example.invalid)'


def a_hostile_action(database_url: str) -> int:
    engine = make_engine(database_url)
    today = today_in_paris()
    with writing(engine) as db:
        pilot = db.exec(select(Professional).where(Professional.email.like("pilote@%"))).one()
        action = Action(
            title=TITLE,
            action_type=ActionType.RECRUITMENT,
            summary="<u>souligné</u> & <i>italique</i>",
            description=DESCRIPTION,
            publication_start=today - timedelta(days=1),
            publication_end=today + timedelta(days=30),
            commune="<marquee>Grenoble</marquee>",
        )
        db.add(action)
        db.flush()
        db.add(ActionMember(action_id=action.id, professional_id=pilot.id, role=MemberRole.PILOT))
        day = today + timedelta(days=12)
        session = Session(
            action_id=action.id,
            label="<h1>Séance</h1>",
            kind=SessionKind.RECRUITMENT,
            starts_at=paris_instant(day, 9),
            ends_at=paris_instant(day, 12),
            place_name="<a href='javascript:window.pwned=5'>Salle</a>",
            address="1 rue <b>X</b>",
            capacity=10,
            registration_deadline=day - timedelta(days=2),
        )
        db.add(session)
        db.flush()
        db.add(
            Employer(session_id=session.id, name="<svg onload=window.pwned=6>", job_offers=OFFERS)
        )
        db.commit()
        action_id = action.id
    engine.dispose()
    return action_id


def test_markup_typed_by_users_is_shown_as_text_and_never_runs(server, pages):
    base_url, database_url = server
    first = pages()
    first.goto(base_url)  # loads the demo
    expect(first.get_by_role("heading", name="Agenda des actions du PLIE")).to_be_visible()
    action_id = a_hostile_action(database_url)

    visitor = pages()
    visitor.goto(f"{base_url}/action?id={action_id}")
    wait_for_app(visitor)
    expect(visitor.get_by_text("window.pwned=2", exact=False).first).to_be_visible()

    assert visitor.evaluate("typeof window.pwned") == "undefined"
    main = visitor.locator('[data-testid="stMain"]')
    # No element that the text asked for exists: only Streamlit's own markup.
    for selector in (
        "script:not([src])",
        "img[src='x']",
        "iframe[src^='javascript']",
        "a[href^='javascript']",
        "marquee",
        "svg[onload]",
        "u",
        "h1:has-text('Séance')",
    ):
        assert main.locator(selector).count() == 0, selector
    shown = main.inner_text()
    for typed in ("<img src=x", "**gras**", "<b>important</b>", "[Cliquez ici]", "<h1>Séance"):
        assert typed in shown, typed

    agenda = pages()
    agenda.goto(base_url)
    wait_for_app(agenda)
    expect(agenda.get_by_text("<u>souligné</u>", exact=False).first).to_be_visible()
    assert agenda.evaluate("typeof window.pwned") == "undefined"
    assert agenda.locator('[data-testid="stMain"] u').count() == 0
