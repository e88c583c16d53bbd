"""Every cell of the registration permission table, walked through the real domain functions.

Each professional stands in one relation to the registration (plie.permissions.Relation);
each operation is tried through functions that the pages call. What the table allows must
succeed; everything else is refused with its French message, whoever guesses the id.
"""

from datetime import date

import pytest

from plie import coprescribers, queries
from plie.enums import MemberRole
from plie.errors import NotAllowed
from plie.permissions import (
    REGISTRATION_PERMISSIONS,
    REGISTRATION_REFUSALS,
    RegistrationOperation,
    Relation,
)
from plie.registration_edits import save_answers
from plie.registrations import save_registration
from tests.builders import (
    STATISTICS_ANSWERED,
    a_candidate,
    a_co_prescriber,
    a_member,
    a_professional,
    an_action,
)

PEOPLE = {
    "prescriber": Relation.PRESCRIBER,
    "co-prescriber": Relation.PRESCRIBER,
    "pilot": Relation.PILOT,
    "copilot": Relation.COPILOT,
    "partner": Relation.PARTNER,
    "counsellor of another structure": Relation.NONE,
    "coordinator": Relation.NONE,
    "admin": Relation.NONE,
}


def view(db, person, registration):
    queries.registration_view(db, by=person.id, registration_id=registration.id, today=date.today())


def act_on_answers(db, person, registration):
    save_answers(db, by=person.id, registration_id=registration.id, answers=STATISTICS_ANSWERED)


def act_on_co_prescribers(db, person, registration):
    newcomer = a_professional(db, first_name="Nouvelle", last_name="Conseillère")
    coprescribers.add_co_prescriber(
        db, by=person.id, registration_id=registration.id, professional_id=newcomer.id
    )


OPERATIONS = {
    RegistrationOperation.VIEW: [view],
    RegistrationOperation.ACT: [act_on_answers, act_on_co_prescribers],
}


def a_world(db, *, sent: bool):
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    action = an_action(db, pilot=pilot)
    people = {
        "prescriber": a_professional(db),
        "co-prescriber": a_professional(db, first_name="Co"),
        "pilot": pilot,
        "copilot": a_professional(db, first_name="Camille"),
        "partner": a_professional(db, first_name="Sacha"),
        "counsellor of another structure": a_professional(db, first_name="Ilan"),
        "coordinator": a_professional(db, first_name="Coord", is_coordinator=True),
        "admin": a_professional(db, first_name="Alex", is_admin=True),
    }
    a_member(db, action, people["copilot"], MemberRole.COPILOT)
    a_member(db, action, people["partner"], MemberRole.PARTNER)
    registration = save_registration(
        db,
        by=people["prescriber"].id,
        action_id=action.id,
        candidate_id=a_candidate(db).id,
        session_ids=[action.sessions[0].id],
        submit=sent,
        answers=STATISTICS_ANSWERED,
    )
    a_co_prescriber(db, registration.id, people["co-prescriber"])
    return people, registration


CELLS = [
    (name, operation, attempt)
    for name in PEOPLE
    for operation, attempts in OPERATIONS.items()
    for attempt in attempts
]


@pytest.mark.parametrize(
    ("name", "operation", "attempt"),
    CELLS,
    ids=[f"{name}-{attempt.__name__}" for name, _, attempt in CELLS],
)
def test_a_sent_registration_obeys_the_table(db, name, operation, attempt):
    people, registration = a_world(db, sent=True)
    allowed = operation in REGISTRATION_PERMISSIONS[PEOPLE[name]]
    if allowed:
        attempt(db, people[name], registration)
    else:
        with pytest.raises(NotAllowed) as refused:
            attempt(db, people[name], registration)
        assert refused.value.message == REGISTRATION_REFUSALS[operation]


@pytest.mark.parametrize("name", ["pilot", "copilot", "partner"])
def test_a_draft_is_the_prescribers_alone(db, name):
    people, draft = a_world(db, sent=False)
    with pytest.raises(NotAllowed, match="ne vous est pas accessible"):
        view(db, people[name], draft)
    view(db, people["co-prescriber"], draft)


def test_every_relation_and_operation_has_a_cell_and_is_walked():
    assert set(REGISTRATION_PERMISSIONS) == set(Relation)
    assert set(OPERATIONS) == set(RegistrationOperation)
    assert set(PEOPLE.values()) == set(Relation)
