"""The coordinators' statistics page, run by AppTest on a fresh demo database."""

import json
import re

import pyarrow
import pytest
from sqlmodel import select

from plie import db as plie_db
from plie.models import Action, Professional, StatisticsExport
from plie.registrations import save_registration
from tests.builders import STATISTICS_ANSWERED, a_candidate
from tests.ui_support import (
    BUILDING_SITE,
    demo_email,
    new_app,
    open_page,
    shows,
    sign_in,
    use_fresh_database,
)


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def test_a_coordinator_sees_the_dashboard_and_downloads_the_workbook(app):
    sign_in(app, "coordinateur")
    open_page(app, "statistics")

    assert app.title[0].value == "Statistiques FSE+"
    metrics = {metric.label: metric.value for metric in app.metric}
    assert int(metrics["Inscriptions retenues"]) > 0
    assert not shows(app, "Non disponible pour le moment")

    app.button(key="prepare_export").click().run()

    assert not app.exception, app.exception
    assert app.get("download_button")
    with plie_db.reading() as db:
        assert len(db.exec(select(StatisticsExport)).all()) == 1


def test_the_week_chart_names_its_weeks_in_french_not_with_a_date_axis(app):
    sign_in(app, "coordinateur")
    open_page(app, "statistics")

    chart = app.get("vega_lite_chart")[0].proto  # the first: "Inscriptions par semaine"
    x = json.loads(chart.spec)["encoding"]["x"]
    # A temporal axis would print the browser's month names (English in an English browser).
    assert (x["field"], x["type"]) == ("Semaine", "ordinal")
    weeks = pyarrow.ipc.open_stream(chart.datasets[0].data.data).read_all().column("Semaine")
    assert all(re.fullmatch(r"S\d+ – \d+ \S+( \d{4})?", week) for week in weeks.to_pylist())


def test_a_wrong_period_is_explained_and_nothing_is_exported(app):
    sign_in(app, "coordinateur")
    open_page(app, "statistics")
    start = app.date_input(key="st_start").value
    app.date_input(key="st_end").set_value(start.replace(year=start.year - 1))
    next(b for b in app.button if b.label == "Appliquer les filtres").click().run()

    assert shows(app, "La date de début de la période doit précéder sa date de fin.")
    assert not app.get("download_button")


def test_a_period_without_registrations_shows_sentences_not_empty_charts(app):
    sign_in(app, "coordinateur")
    open_page(app, "statistics")
    # Eight years ago, before any registration (a date field reaches ten years back).
    start = app.date_input(key="st_start").value
    app.date_input(key="st_start").set_value(start.replace(year=start.year - 8, day=1))
    app.date_input(key="st_end").set_value(start.replace(year=start.year - 7, day=1))
    next(b for b in app.button if b.label == "Appliquer les filtres").click().run()

    assert not app.exception, app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert int(metrics["Inscriptions retenues"]) == 0
    assert shows(app, "Aucune inscription pour ces filtres.")


def test_the_statistics_page_refuses_a_prescriber_in_french(app):
    sign_in(app, "france-travail")
    open_page(app, "statistics")  # by its address: the sidebar does not offer it

    assert [e.value for e in app.error] == ["Cette page est réservée aux coordinateurs du PLIE."]
    assert not app.metric


def test_a_new_registration_shows_in_the_figures_at_once(app):
    sign_in(app, "coordinateur")
    open_page(app, "statistics")
    before = int({m.label: m.value for m in app.metric}["Inscriptions retenues"])

    with plie_db.writing() as db:
        action = db.exec(select(Action).where(Action.title == BUILDING_SITE)).one()
        prescriber = db.exec(
            select(Professional).where(Professional.email == demo_email("ccas"))
        ).one()
        candidate = a_candidate(db, last_name="Nouvelle", first_name="Venue")
        save_registration(
            db,
            by=prescriber.id,
            action_id=action.id,
            candidate_id=candidate.id,
            session_ids=[action.sessions[0].id],
            submit=True,
            answers=STATISTICS_ANSWERED,
        )
    app.run()

    after = int({m.label: m.value for m in app.metric}["Inscriptions retenues"])
    assert after == before + 1
