"""The public agenda: what it shows, grouped by category, and its filters."""

from datetime import timedelta

import pytest

from plie.agenda import AgendaFilters, agenda_communes, public_agenda
from plie.dates import today_in_paris
from plie.enums import ActionType, EligibilityScheme
from plie.errors import InvalidInput
from tests.builders import an_action


@pytest.fixture
def actions(db):
    return {
        "workshop": an_action(db, title="Atelier CV", commune="Grenoble", summary="Refaire son CV"),
        "training": an_action(
            db,
            title="Formation propreté",
            action_type=ActionType.TRAINING,
            commune="Fontaine",
            eligibility_scheme=EligibilityScheme.FSE,
            deadline_in_days=30,
        ),
        "partners": an_action(
            db, title="Jobreboost", action_type=ActionType.PARTNERS, commune="Grenoble"
        ),
        "unpublished": an_action(db, title="Pas encore publiée", published=False),
    }


def titles(groups):
    return {category: [entry.title for entry in entries] for category, entries in groups}


def test_the_agenda_groups_published_actions_by_category_in_the_sites_order(db, actions):
    groups = public_agenda(db, today=today_in_paris())

    assert titles(groups) == {
        "Ateliers": ["Atelier CV"],
        "Formations et orientation": ["Formation propreté"],
        "Pour les partenaires du PLIE": ["Jobreboost"],
    }
    assert [category for category, _ in groups] == [
        "Ateliers",
        "Formations et orientation",
        "Pour les partenaires du PLIE",
    ]


def test_each_entry_has_its_category_summary_commune_and_dates(db, actions):
    entry = public_agenda(db, today=today_in_paris())[0][1][0]

    assert (entry.category, entry.title, entry.summary, entry.commune) == (
        "Ateliers",
        "Atelier CV",
        "Refaire son CV",
        "Grenoble",
    )
    assert entry.dates and entry.dates[0].endswith("de 09h00 à 12h00")


def test_filters_by_category_commune_and_eligibility(db, actions):
    today = today_in_paris()

    by_category = public_agenda(
        db, today=today, filters=AgendaFilters(category="Formations et orientation")
    )
    by_commune = public_agenda(db, today=today, filters=AgendaFilters(commune="Grenoble"))
    by_scheme = public_agenda(
        db, today=today, filters=AgendaFilters(eligibility=EligibilityScheme.FSE)
    )

    assert titles(by_category) == {"Formations et orientation": ["Formation propreté"]}
    assert titles(by_commune) == {
        "Ateliers": ["Atelier CV"],
        "Pour les partenaires du PLIE": ["Jobreboost"],
    }
    assert titles(by_scheme) == {"Formations et orientation": ["Formation propreté"]}


def test_filters_by_dates_keep_the_actions_with_a_session_between_them(db, actions):
    today = today_in_paris()
    # The workshops start 11 days from now; the training 31 days from now.
    soon = AgendaFilters(date_from=today + timedelta(days=11), date_to=today + timedelta(days=11))
    later = AgendaFilters(date_from=today + timedelta(days=20))

    assert {e.title for _, g in public_agenda(db, today=today, filters=soon) for e in g} == {
        "Atelier CV",
        "Jobreboost",
    }
    assert titles(public_agenda(db, today=today, filters=later)) == {
        "Formations et orientation": ["Formation propreté"]
    }


def test_dates_in_the_wrong_order_are_refused_in_french(db, actions):
    today = today_in_paris()

    with pytest.raises(InvalidInput) as refused:
        public_agenda(
            db,
            today=today,
            filters=AgendaFilters(date_from=today + timedelta(days=5), date_to=today),
        )

    assert refused.value.message == "La date de début doit être avant la date de fin."


def test_no_filter_is_the_whole_agenda_and_communes_are_listed_once(db, actions):
    assert AgendaFilters().is_everything
    assert not AgendaFilters(commune="Grenoble").is_everything
    assert agenda_communes(db, today=today_in_paris()) == ["Fontaine", "Grenoble"]
