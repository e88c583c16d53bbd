"""Builders for the statistics tests: people, dated sessions and registrations in any state."""

from datetime import date, datetime

from plie.dates import paris_instant
from plie.enums import ActionType, EligibilityScheme, Gender, RegistrationStatus, SessionKind
from plie.models import Action, Candidate, Registration, RegistrationSession, Session
from plie.text import search_key


def a_person(
    db,
    last_name: str,
    *,
    born: date,
    gender: Gender | None = Gender.FEMALE,
    qpv: bool | None = False,
    level: str | None = "3",
    first_name: str = "Camille",
    viesion_id: str | None = None,
) -> Candidate:
    candidate = Candidate(
        last_name=last_name,
        first_name=first_name,
        last_name_key=search_key(last_name),
        first_name_key=search_key(first_name),
        birth_date=born,
        gender=gender,
        is_qpv=qpv,
        qualification_level=level,
        viesion_id=viesion_id,
    )
    db.add(candidate)
    db.commit()
    return candidate


def an_action_on(
    db,
    title: str,
    *days: date,
    action_type: ActionType = ActionType.WORKSHOP,
    scheme: EligibilityScheme = EligibilityScheme.NONE,
) -> tuple[Action, list[Session]]:
    """An action with one session at 9:00 (Paris) on each day given."""
    action = Action(
        title=title,
        action_type=action_type,
        eligibility_scheme=scheme,
        publication_start=min(days),
        publication_end=max(days),
    )
    db.add(action)
    db.flush()
    sessions = [
        Session(
            action_id=action.id,
            label=f"Séance du {day.isoformat()}",
            kind=SessionKind.WORKSHOP,
            starts_at=paris_instant(day, 9),
            ends_at=paris_instant(day, 12),
            capacity=20,
            registration_deadline=day,
        )
        for day in days
    ]
    db.add_all(sessions)
    db.commit()
    return action, sessions


def a_registration(
    db,
    candidate: Candidate,
    action: Action,
    sessions: list[Session],
    *,
    status: RegistrationStatus = RegistrationStatus.VALIDATED,
    sent_at: datetime | None = None,
    prescriber=None,
) -> Registration:
    sent_at = sent_at or paris_instant(date(2025, 2, 1), 10)
    registration = Registration(
        action_id=action.id,
        candidate_id=candidate.id,
        prescriber_id=prescriber.id if prescriber else None,
        status=status,
        created_at=sent_at,
        submitted_at=None if status is RegistrationStatus.DRAFT else sent_at,
    )
    db.add(registration)
    db.flush()
    db.add_all(
        RegistrationSession(registration_id=registration.id, session_id=session.id)
        for session in sessions
    )
    db.commit()
    return registration
