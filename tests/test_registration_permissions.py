"""Every cell of the registration permission table, walked through the real domain functions.

Each professional stands in one relation to the registration (plie.permissions.Relation);
each operation is tried through functions that the pages call. What the table allows must
succeed; everything else is refused with its French message, whoever guesses the id. Completing
is tried on a self-registration of the same action, which has no prescriber.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from plie import coprescribers, queries
from plie.enums import MemberRole
from plie.errors import NotAllowed
from plie.models import Professional, Registration
from plie.permissions import (
    ORGANISER_PERMISSIONS,
    REGISTRATION_PERMISSIONS,
    REGISTRATION_REFUSALS,
    Operation,
    RegistrationOperation,
    Relation,
    may_on_registration,
)
from plie.registration_edits import FormAnswers, save_answers
from plie.registrations import save_registration
from tests.builders import (
    STATISTICS_ANSWERED,
    a_candidate,
    a_co_prescriber,
    a_member,
    a_professional,
    a_self_registration,
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


@dataclass
class World:
    people: dict[str, Professional]
    registration: Registration  # the prescriber's, followed by a co-prescriber
    self_registration: Registration  # a "candidat libre" on the same action


def view(db, person, world):
    queries.registration_view(
        db, by=person.id, registration_id=world.registration.id, today=date.today()
    )


def act_on_answers(db, person, world):
    save_answers(
        db, by=person.id, registration_id=world.registration.id, answers=STATISTICS_ANSWERED
    )


def act_on_co_prescribers(db, person, world):
    newcomer = a_professional(db, first_name="Nouvelle", last_name="Conseillère")
    coprescribers.add_co_prescriber(
        db, by=person.id, registration_id=world.registration.id, professional_id=newcomer.id
    )


def complete_a_self_registration(db, person, world):
    corrected = FormAnswers(eligibility={"statistics": ["deld"]})
    save_answers(db, by=person.id, registration_id=world.self_registration.id, answers=corrected)


OPERATIONS = {
    RegistrationOperation.VIEW: [view],
    RegistrationOperation.ACT: [act_on_answers, act_on_co_prescribers],
    RegistrationOperation.COMPLETE: [complete_a_self_registration],
}


def a_world(db, *, sent: bool) -> World:
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    action = an_action(db, pilot=pilot, allows_self_registration=True)
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
    self_registration = a_self_registration(db, action, eligibility={"statistics": ["none"]})
    return World(people, registration, self_registration)


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
    world = a_world(db, sent=True)
    allowed = operation in REGISTRATION_PERMISSIONS[PEOPLE[name]]
    if allowed:
        attempt(db, world.people[name], world)
    else:
        with pytest.raises(NotAllowed) as refused:
            attempt(db, world.people[name], world)
        assert refused.value.message == REGISTRATION_REFUSALS[operation]


@pytest.mark.parametrize("name", ["pilot", "copilot", "partner"])
def test_a_draft_is_the_prescribers_alone(db, name):
    world = a_world(db, sent=False)
    with pytest.raises(NotAllowed, match="ne vous est pas accessible"):
        view(db, world.people[name], world)
    view(db, world.people["co-prescriber"], world)


@pytest.mark.parametrize("name", ["pilot", "copilot"])
def test_completing_concerns_only_a_self_registration(db, name):
    world = a_world(db, sent=True)
    person = world.people[name]

    def may_complete(registration):
        return may_on_registration(
            db,
            professional_id=person.id,
            registration=registration,
            operation=RegistrationOperation.COMPLETE,
        )

    assert may_complete(world.self_registration)
    assert not may_complete(world.registration)
    # The prescriber's registration stays theirs: its answers are refused to the organisers.
    with pytest.raises(NotAllowed) as refused:
        act_on_answers(db, person, world)
    assert refused.value.message == REGISTRATION_REFUSALS[RegistrationOperation.ACT]


def test_a_self_registration_has_no_prescriber_to_act_on_it(db):
    world = a_world(db, sent=True)
    for person in world.people.values():
        assert not may_on_registration(
            db,
            professional_id=person.id,
            registration=world.self_registration,
            operation=RegistrationOperation.ACT,
        )


def test_the_organisers_who_complete_are_those_who_decide_the_eligibility():
    completing = {
        relation
        for relation in (Relation.PILOT, Relation.COPILOT, Relation.PARTNER)
        if RegistrationOperation.COMPLETE in REGISTRATION_PERMISSIONS[relation]
    }
    deciding = {
        Relation(role.value)
        for role, operations in ORGANISER_PERMISSIONS.items()
        if Operation.DECIDE_ELIGIBILITY in operations
    }
    assert completing == deciding == {Relation.PILOT, Relation.COPILOT}


def test_every_relation_and_operation_has_a_cell_and_is_walked():
    assert set(REGISTRATION_PERMISSIONS) == set(Relation)
    assert set(OPERATIONS) == set(RegistrationOperation)
    assert set(PEOPLE.values()) == set(Relation)
