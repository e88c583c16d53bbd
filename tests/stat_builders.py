"""Builders for the statistics tests: people, dated sessions and registrations in any state."""

from dataclasses import dataclass
from datetime import date, datetime

from plie.dates import paris_instant
from plie.enums import ActionType, EligibilityScheme, Gender, RegistrationStatus, SessionKind
from plie.models import Action, Candidate, Registration, RegistrationSession, Session
from plie.text import search_key
from tests.builders import a_professional

S = RegistrationStatus
F, M = Gender.FEMALE, Gender.MALE
YEAR_2025 = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}


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


@dataclass
class HandData:
    workshop: object
    training: object
    former: object
    north: object
    south: object


def build_hand_data(db) -> HandData:
    """Six candidates, seven registrations in 2025, plus a draft and one in 2024.

    Entry = first session: the workshop on 1 March 2025 (and 1 September 2025), the training on
    15 June 2025. Ages at entry: Alice 18 on her birthday, Bruno (born 29 February) 25,
    Chloé 55, David 29 on the eve of his 30th birthday, Emma 17, Farid 31 on his birthday.
    """
    north, south = a_professional(db), a_professional(db)
    workshop, (march, september) = an_action_on(db, "Atelier A", date(2025, 3, 1), date(2025, 9, 1))
    training, (june,) = an_action_on(
        db,
        "Formation B",
        date(2025, 6, 15),
        action_type=ActionType.TRAINING,
        scheme=EligibilityScheme.FSE,
    )
    former, (december,) = an_action_on(db, "Ancienne action", date(2024, 12, 10))

    alice = a_person(db, "Alice", born=date(2007, 3, 1), qpv=True, level="2")
    bruno = a_person(db, "Bruno", born=date(2000, 2, 29), gender=M, level="4")
    chloe = a_person(db, "Chloé", born=date(1970, 3, 2), qpv=None, level="6")
    david = a_person(db, "David", born=date(1995, 6, 16), gender=None, level=None)
    emma = a_person(db, "Emma", born=date(2008, 1, 10), qpv=True, level="1")
    farid = a_person(db, "Farid", born=date(1994, 9, 1), gender=M, level="7")
    gina = a_person(db, "Gina", born=date(1990, 1, 1))
    hugo = a_person(db, "Hugo", born=date(1990, 1, 1), gender=M)

    a_registration(db, alice, workshop, [march], prescriber=north)
    a_registration(db, bruno, workshop, [march], prescriber=north)
    a_registration(db, bruno, training, [june], status=S.REFUSED_BY_COMMISSION, prescriber=south)
    a_registration(db, chloe, training, [june], status=S.PENDING, prescriber=south)
    a_registration(db, david, training, [june], prescriber=south)
    a_registration(db, emma, workshop, [march, september], prescriber=north)
    a_registration(db, farid, workshop, [september], status=S.DEFERRED, prescriber=north)
    a_registration(db, gina, workshop, [march], status=S.DRAFT, prescriber=north)
    a_registration(db, hugo, former, [december], prescriber=north)
    return HandData(workshop, training, former, north, south)
