"""Page tests of the review page, the follow-ups page and the prescribers' three places."""

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie import paging
from plie.models import Session
from tests.ui_support import new_app, open_page, shows, sign_in, use_fresh_database

PAST_RECRUITMENT = "Session de recrutement passée"
LOCKED_WORKSHOP = "Atelier d'automne"


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def session_id(label: str) -> int:
    with plie_db.reading() as db:
        return db.exec(select(Session.id).where(Session.label == label)).one()


def test_the_pilot_opens_the_review_of_the_past_recruitment_session(app):
    sign_in(app, "pilote")

    open_page(app, "review", session=session_id(PAST_RECRUITMENT))

    assert app.title[0].value == "Bilan : Job dating logistique et propreté"
    assert shows(app, "Bilan en cours de saisie : enregistrez-le, puis verrouillez-le.")
    assert app.button(key="lock_review").disabled


def test_locking_without_attendance_names_the_candidates_missing(app):
    sign_in(app, "pilote")
    open_page(app, "review", session=session_id(PAST_RECRUITMENT))

    app.checkbox(key="confirm_lock").check().run()
    app.button(key="lock_review").click().run()

    assert [e.value for e in app.error][0].startswith(
        "Saisissez la présence de chaque candidat avant de verrouiller le bilan. "
        "Elle manque pour : "
    )


def test_a_prescriber_reads_only_their_candidates_in_a_locked_review(app):
    sign_in(app, "france-travail")

    open_page(app, "review", session=session_id(LOCKED_WORKSHOP))

    table = app.dataframe[0].value
    lines = sorted(zip(table["Présence"], table["Suivi 1 mois"], strict=True))
    assert lines == [("Absent", ""), ("Présent", "En formation")]


def test_a_prescriber_without_candidates_in_the_session_is_refused(app):
    sign_in(app, "ccas")

    open_page(app, "review", session=session_id(LOCKED_WORKSHOP))

    assert [e.value for e in app.error] == ["Ce bilan ne concerne aucun de vos candidats."]


def test_the_pilot_sees_the_follow_up_still_due(app):
    sign_in(app, "pilote")

    open_page(app, "followups")

    rows = app.dataframe[0].value
    assert list(rows["Suivi"]) == ["Suivi à 3 mois"]
    assert list(rows["Session"]) == [LOCKED_WORKSHOP]


def test_the_review_table_shows_one_page_of_candidates_at_a_time(app, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    sign_in(app, "pilote")
    open_page(app, "review", session=session_id(PAST_RECRUITMENT))
    first = list(app.dataframe[0].value["Candidat"])

    app.number_input(key="review_page_2").set_value(2).run()

    assert not app.exception, app.exception
    assert app.number_input(key="review_page_2").label == "Page (sur 2)"
    assert shows(app, "Enregistrez le bilan de chaque page avant de passer à une autre.")
    second = list(app.dataframe[0].value["Candidat"])
    assert (len(first), len(second)) == (2, 1)
    assert sorted(first + second) == first + second  # in the order of names, page after page
