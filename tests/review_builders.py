"""Builders for session reviews: sessions that have taken place and the candidates in them."""

from datetime import timedelta

from plie.dates import now, today_in_paris
from plie.enums import RegistrationStatus, SessionKind
from plie.models import (
    Action,
    EligibilityAnswer,
    Registration,
    RegistrationSession,
    Session,
    StatusChange,
)
from tests.builders import a_candidate, an_action

S = RegistrationStatus


def a_session_that_started(
    db, action: Action, *, days_ago: int = 3, lasts_days: int = 0, deadline_in_days: int = -4
) -> Session:
    """A session of the action that began `days_ago` days ago (and may still run)."""
    starts_at = now() - timedelta(days=days_ago)
    session = Session(
        action_id=action.id,
        label=f"Session d'il y a {days_ago} jours",
        kind=SessionKind.RECRUITMENT,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=lasts_days, hours=3),
        capacity=30,
        registration_deadline=today_in_paris() + timedelta(days=deadline_in_days),
    )
    db.add(session)
    db.commit()
    return session


def a_reviewable_action(db, *, pilot, days_ago: int = 3, **session_options):
    """A published action whose one session has started: ready for its review."""
    action = an_action(db, pilot=pilot, sessions=0)
    return action, a_session_that_started(db, action, days_ago=days_ago, **session_options)


def a_registered_candidate(
    db, session: Session, prescriber, *, status: S = S.VALIDATED, last_name="Lefèvre", **names
) -> Registration:
    """A candidate registered to the session by the prescriber, already in `status`."""
    candidate = a_candidate(db, last_name=last_name, **names)
    registration = Registration(
        action_id=session.action_id,
        candidate_id=candidate.id,
        prescriber_id=prescriber.id,
        status=status,
    )
    if status is not S.DRAFT:
        registration.submitted_at = now()
    if status not in (S.DRAFT, S.PENDING):
        registration.processed_at = now()
    db.add(registration)
    db.flush()
    db.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
    # The statistics question that a registration must answer before it is sent.
    db.add(EligibilityAnswer(registration_id=registration.id, field="statistics", value="none"))
    db.add(StatusChange(registration_id=registration.id, to_status=status, by_id=prescriber.id))
    if registration.holds_places:
        session.places_taken += 1
        db.add(session)
    db.commit()
    return registration


def employers_at(db, session: Session, *names: str) -> list[int]:
    """Employers that took part in a recruitment session; their ids, in order."""
    from plie.models import Employer

    employers = [Employer(session_id=session.id, name=name) for name in names]
    db.add_all(employers)
    db.commit()
    return [employer.id for employer in employers]
