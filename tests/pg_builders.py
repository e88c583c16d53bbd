"""Small builders for the database tests, whose options read like the domain."""

import itertools
from datetime import timedelta

from sqlmodel import Session as DbSession

from plie.dates import now, today_in_paris
from plie.enums import ActionType, Gender, MemberRole, RegistrationStatus
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    Employer,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    Slot,
)

_numbers = itertools.count(1)


def a_professional(db: DbSession) -> Professional:
    number = next(_numbers)
    professional = Professional(
        email=f"pro{number}@example.org", first_name="Camille", last_name=f"Pro{number}"
    )
    db.add(professional)
    db.flush()
    return professional


def a_candidate(db: DbSession) -> Candidate:
    number = next(_numbers)
    candidate = Candidate(
        last_name=f"Martin{number}",
        first_name="Alex",
        birth_date=today_in_paris() - timedelta(days=30 * 365),
        last_name_key=f"martin{number}",
        first_name_key="alex",
        gender=Gender.FEMALE,
    )
    db.add(candidate)
    db.flush()
    return candidate


def a_published_action(db: DbSession, *, organisers: list[Professional] = ()) -> Action:
    today = today_in_paris()
    action = Action(
        title="Atelier CV",
        action_type=ActionType.WORKSHOP,
        publication_start=today - timedelta(days=1),
        publication_end=today + timedelta(days=30),
    )
    db.add(action)
    db.flush()
    for index, organiser in enumerate(organisers):
        role = MemberRole.PILOT if index == 0 else MemberRole.COPILOT
        db.add(ActionMember(action_id=action.id, professional_id=organiser.id, role=role))
    db.flush()
    return action


def a_session(db: DbSession, *, action: Action, capacity: int, places_left: int) -> Session:
    starts_at = now() + timedelta(days=10)
    session = Session(
        action_id=action.id,
        label="Session du matin",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        capacity=capacity,
        places_taken=capacity - places_left,
        registration_deadline=today_in_paris() + timedelta(days=5),
    )
    db.add(session)
    db.flush()
    return session


def a_slot(db: DbSession, *, session: Session, capacity: int, places_left: int) -> Slot:
    employer = Employer(session_id=session.id, name="Boulangerie Dupont")
    db.add(employer)
    db.flush()
    slot = Slot(
        employer_id=employer.id,
        starts_at=session.starts_at,
        capacity=capacity,
        places_taken=capacity - places_left,
    )
    db.add(slot)
    db.flush()
    return slot


def a_registration(
    db: DbSession,
    *,
    action: Action,
    session: Session,
    prescriber: Professional,
    status: RegistrationStatus,
) -> Registration:
    """A registration already in `status`, written directly (its places are not counted)."""
    registration = Registration(
        action_id=action.id,
        candidate_id=a_candidate(db).id,
        prescriber_id=prescriber.id,
        status=status,
        submitted_at=now(),
    )
    db.add(registration)
    db.flush()
    db.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
    db.flush()
    return registration
