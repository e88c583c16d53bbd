"""Page tests: what organisers write (titles, session labels) reaches other people as typed."""

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie.models import Action, Session
from tests.ui_support import new_app, open_page, sign_in, use_fresh_database

LINK_TITLE = "[Inscription ici](https://exemple.org/piege) **urgent**"
ESCAPED_TITLE = "\\[Inscription ici\\]\\(https\\://exemple\\.org/piege\\) \\*\\*urgent\\*\\*"
DIGITAL_WORKSHOP = "Atelier Numériqu'Emploi"
LOCKED_WORKSHOP = "Atelier d'automne"


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def retitle_action(*, title: str | None = None, session_label: str | None = None) -> int:
    """Give the demo action (of that title, or of that session) the pilot's new title."""
    with plie_db.writing() as db:
        if session_label is not None:
            session = db.exec(select(Session).where(Session.label == session_label)).one()
            action = db.get(Action, session.action_id)
        else:
            action = db.exec(select(Action).where(Action.title == title)).one()
        action.title = LINK_TITLE
        db.add(action)
        db.commit()
        return action.id if session_label is None else session.id


def test_a_visitor_registering_themselves_sees_the_action_title_as_typed(app):
    action_id = retitle_action(title=DIGITAL_WORKSHOP)

    open_page(app, "self_registration", id=action_id)

    assert [header.value for header in app.subheader][0] == ESCAPED_TITLE


def test_a_prescriber_reading_a_review_sees_the_action_title_as_typed(app):
    session_id = retitle_action(session_label=LOCKED_WORKSHOP)
    sign_in(app, "france-travail")

    open_page(app, "review", session=session_id)

    assert app.title[0].value == f"Bilan : {ESCAPED_TITLE}"
