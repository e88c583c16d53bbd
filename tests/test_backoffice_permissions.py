"""Who may do what in the back-office: every role on every operation of actions and triage.

Each case runs the real domain function on a fresh database: the allowed roles must succeed,
the others get the French refusal of plie.permissions.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from plie import actions, admin, exports, teams, triage
from plie.dates import paris_instant, today_in_paris
from plie.enums import ActionType, EligibilityScheme, MemberRole, RegistrationStatus
from plie.errors import NotAllowed
from plie.models import Action, Employer, Professional, Registration, Slot
from plie.permissions import REFUSALS, REGISTRATION_REFUSALS, Operation, RegistrationOperation
from plie.queries import registration_view
from plie.registration_edits import FormAnswers, save_answers
from plie.registrations import save_registration
from tests.builders import (
    a_candidate,
    a_member,
    a_professional,
    a_recruitment_session,
    a_self_registration,
    an_action,
)

S = RegistrationStatus
ROLES = ("pilot", "copilot", "partner", "non-member", "admin")


@dataclass
class World:
    people: dict[str, Professional]
    action: Action
    registration: Registration
    employer: Employer
    slot: Slot
    outsider: Professional
    self_registration: Registration  # a "candidat libre", without prescriber


@pytest.fixture
def world(db) -> World:
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote", can_pilot=True)
    action = an_action(db, pilot=pilot, sessions=2, action_type=ActionType.RECRUITMENT)
    action.eligibility_scheme = EligibilityScheme.CLAUSE
    action.allows_self_registration = True
    db.add(action)
    db.commit()
    session = a_recruitment_session(db, action, employers=1, slots=1)
    employer = session.employers[0]
    people = {
        "pilot": pilot,
        "copilot": a_professional(db, first_name="Camille", last_name="Copilote"),
        "partner": a_professional(db, first_name="Sacha", last_name="Partenaire"),
        "non-member": a_professional(db, first_name="Noé", last_name="Autre"),
        "admin": a_professional(db, first_name="Alex", last_name="Admin", is_admin=True),
    }
    a_member(db, action, people["copilot"], MemberRole.COPILOT)
    a_member(db, action, people["partner"], MemberRole.PARTNER)
    prescriber = a_professional(db)
    registration = save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=a_candidate(db).id,
        session_ids=[action.sessions[0].id],
        submit=True,
    )
    outsider = a_professional(db, first_name="Ilan", last_name="Nouveau")
    self_registration = a_self_registration(db, action, eligibility={"clause_criteria": ["deld"]})
    return World(
        people, action, registration, employer, employer.slots[0], outsider, self_registration
    )


def session_input(world: World, **changes) -> actions.SessionInput:
    day = today_in_paris() + timedelta(days=30)
    values = {
        "label": "Nouvelle séance",
        "kind": "workshop",
        "starts_at": paris_instant(day, 9),
        "ends_at": paris_instant(day, 12),
        "capacity": 10,
        "registration_deadline": day - timedelta(days=2),
    }
    return actions.SessionInput(**{**values, **changes})


def free_session(db, world: World) -> int:
    """A session that no registration covers: the action's second one."""
    return world.action.sessions[1].id


OPERATIONS = {
    "edit the action": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.update_action(
            db, by=by, action_id=w.action.id, data=actions.action_input(w.action)
        ),
    ),
    "read the setup": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.action_setup(db, by=by, action_id=w.action.id),
    ),
    "add a session": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.add_session(
            db, by=by, action_id=w.action.id, data=session_input(w)
        ),
    ),
    "change a session": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.update_session(
            db, by=by, session_id=free_session(db, w), data=session_input(w)
        ),
    ),
    "delete a session": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.delete_session(db, by=by, session_id=free_session(db, w)),
    ),
    "add an employer": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.add_employer(
            db,
            by=by,
            session_id=w.employer.session_id,
            data=actions.EmployerInput(name="Propreté Services", job_offers="Agent (CDI)"),
        ),
    ),
    "delete an employer": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.delete_employer(db, by=by, employer_id=w.employer.id),
    ),
    "add a slot": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.add_slot(
            db,
            by=by,
            employer_id=w.employer.id,
            data=actions.SlotInput(starts_at=w.action.sessions[0].starts_at, capacity=3),
        ),
    ),
    "change a slot": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.update_slot(
            db,
            by=by,
            slot_id=w.slot.id,
            data=actions.SlotInput(starts_at=w.action.sessions[0].starts_at, capacity=8),
        ),
    ),
    "delete a slot": (
        Operation.EDIT_ACTION,
        lambda db, by, w: actions.delete_slot(db, by=by, slot_id=w.slot.id),
    ),
    "delete the action": (
        Operation.DELETE_ACTION,
        lambda db, by, w: actions.delete_action(
            db,
            by=by,
            action_id=an_empty_action_of(db, w).id,
        ),
    ),
    "see the team": (
        Operation.VIEW_REGISTRATIONS,
        lambda db, by, w: teams.team(db, by=by, action_id=w.action.id),
    ),
    "find professionals": (
        Operation.MANAGE_TEAM,
        lambda db, by, w: teams.find_professionals(db, by=by, action_id=w.action.id, query="nou"),
    ),
    "add a partner": (
        Operation.MANAGE_TEAM,
        lambda db, by, w: teams.add_member(
            db,
            by=by,
            action_id=w.action.id,
            professional_id=w.outsider.id,
            role=MemberRole.PARTNER,
        ),
    ),
    "remove a partner": (
        Operation.MANAGE_TEAM,
        lambda db, by, w: teams.remove_member(
            db, by=by, action_id=w.action.id, professional_id=w.people["partner"].id
        ),
    ),
    "see the triage table": (
        Operation.VIEW_REGISTRATIONS,
        lambda db, by, w: triage.triage_rows(
            db, by=by, filters=triage.TriageFilter(action_id=w.action.id)
        ),
    ),
    "see the counts and places": (
        Operation.VIEW_REGISTRATIONS,
        lambda db, by, w: triage.triage_summary(db, by=by, action_id=w.action.id),
    ),
    "open a registration's file": (
        Operation.VIEW_REGISTRATIONS,
        lambda db, by, w: registration_view(
            db, by=by, registration_id=w.registration.id, today=today_in_paris()
        ),
    ),
    "set a state": (
        Operation.CHANGE_STATUS,
        lambda db, by, w: triage.set_status(
            db, by=by, registration_ids=[w.registration.id], to_status=S.VALIDATED
        ),
    ),
    "decide the eligibility": (
        Operation.DECIDE_ELIGIBILITY,
        lambda db, by, w: triage.decide_eligibility(
            db, by=by, registration_ids=[w.registration.id], validated=True
        ),
    ),
    "export to Excel": (
        Operation.EXPORT_REGISTRATIONS,
        lambda db, by, w: exports.export_triage(
            db, by=by, filters=triage.TriageFilter(action_id=w.action.id)
        ),
    ),
    "complete a self-registration": (
        RegistrationOperation.COMPLETE,
        lambda db, by, w: save_answers(
            db,
            by=by,
            registration_id=w.self_registration.id,
            answers=FormAnswers(eligibility={"clause_criteria": ["deld", "qpv"]}),
        ),
    ),
}

ALLOWED = {
    Operation.EDIT_ACTION: {"pilot", "copilot"},
    Operation.DELETE_ACTION: {"pilot"},
    Operation.MANAGE_TEAM: {"pilot"},
    Operation.VIEW_REGISTRATIONS: {"pilot", "copilot", "partner"},
    Operation.CHANGE_STATUS: {"pilot", "copilot"},
    Operation.DECIDE_ELIGIBILITY: {"pilot", "copilot"},
    Operation.EXPORT_REGISTRATIONS: {"pilot", "copilot"},
    RegistrationOperation.COMPLETE: {"pilot", "copilot"},
}


def an_empty_action_of(db, world: World) -> Action:
    """An action with no registration, organised by the same team as the world's action."""
    empty = an_action(db, pilot=world.people["pilot"])
    a_member(db, empty, world.people["copilot"], MemberRole.COPILOT)
    a_member(db, empty, world.people["partner"], MemberRole.PARTNER)
    return empty


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(OPERATIONS))
def test_each_role_may_do_only_what_the_permission_table_says(db, world, name, role):
    operation, run = OPERATIONS[name]
    by = world.people[role].id

    if role in ALLOWED[operation]:
        run(db, by, world)
    else:
        with pytest.raises(NotAllowed) as refused:
            run(db, by, world)
        expected = REFUSALS.get(operation) or REGISTRATION_REFUSALS[operation]
        if name == "open a registration's file":
            expected = "Cette inscription ne vous est pas accessible."
        assert str(refused.value) == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_professionals_authorised_as_pilots_add_an_action(db, world, role):
    data = actions.ActionInput(
        title="Atelier entretien",
        action_type=ActionType.WORKSHOP,
        publication_start=today_in_paris(),
        publication_end=today_in_paris() + timedelta(days=30),
    )
    professional = world.people[role]

    if professional.can_pilot:
        created = actions.create_action(db, by=professional.id, data=data)
        assert teams.team(db, by=professional.id, action_id=created.id)[0]["Rôle"] == "Pilote"
    else:
        with pytest.raises(NotAllowed) as refused:
            actions.create_action(db, by=professional.id, data=data)
        assert str(refused.value) == (
            "Seuls les professionnels autorisés comme pilotes par un administrateur peuvent "
            "ajouter une action."
        )


@pytest.mark.parametrize("role", ROLES)
def test_only_an_admin_authorises_pilots(db, world, role):
    professional = world.people[role]

    if professional.is_admin:
        admin.authorise_pilot(
            db, by=professional.id, professional_id=world.outsider.id, allowed=True
        )
        db.refresh(world.outsider)
        assert world.outsider.can_pilot
    else:
        with pytest.raises(NotAllowed) as refused:
            admin.authorise_pilot(
                db, by=professional.id, professional_id=world.outsider.id, allowed=True
            )
        assert str(refused.value) == "Cette page est réservée aux administrateurs."
