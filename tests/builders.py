"""Small builders whose options read like the domain."""

from datetime import date, timedelta

from sqlmodel import select

from plie.dates import paris_instant, today_in_paris
from plie.enums import ActionType, EligibilityScheme, Gender, MemberRole, SessionKind
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    CoPrescriber,
    Employer,
    Professional,
    Registration,
    Session,
    Slot,
    Structure,
)
from plie.registration_edits import FormAnswers
from plie.self_registration import SelfRegistrationInput, register_self
from plie.text import search_key

_counter = iter(range(1, 1_000_000))


def a_professional(db, *, first_name="Lucie", last_name="Conseil", **flags) -> Professional:
    structure = Structure(name=f"Structure {next(_counter)}")
    db.add(structure)
    db.flush()
    professional = Professional(
        email=f"pro{next(_counter)}@test.example",
        first_name=first_name,
        last_name=last_name,
        structure_id=structure.id,
        **flags,
    )
    db.add(professional)
    db.commit()
    return professional


def an_action(
    db,
    *,
    capacity: int = 30,
    sessions: int = 1,
    deadline_in_days: int = 10,
    auto_validate: bool = False,
    published: bool = True,
    pilot: Professional | None = None,
    action_type: ActionType = ActionType.WORKSHOP,
    scheme: EligibilityScheme = EligibilityScheme.NONE,
    max_employers: int = 3,
    **details,
) -> Action:
    today = today_in_paris()
    start = today - timedelta(days=5) if published else today + timedelta(days=5)
    action = Action(
        **{"title": "Atelier CV", "eligibility_scheme": scheme, **details},
        action_type=action_type,
        max_employers_per_candidate=max_employers,
        publication_start=start,
        publication_end=today + timedelta(days=60),
        auto_validate=auto_validate,
    )
    db.add(action)
    db.flush()
    for index in range(sessions):
        day = today + timedelta(days=deadline_in_days + 1 + index)
        db.add(
            Session(
                action_id=action.id,
                label=f"Séance {index + 1}",
                kind=SessionKind.WORKSHOP,
                starts_at=paris_instant(day, 9),
                ends_at=paris_instant(day, 12),
                capacity=capacity,
                registration_deadline=today + timedelta(days=deadline_in_days),
                place_name="Maison de l'emploi",
                address="1 rue de la Paix, 38000 Grenoble",
            )
        )
    if pilot is not None:
        db.add(ActionMember(action_id=action.id, professional_id=pilot.id, role=MemberRole.PILOT))
    db.commit()
    db.refresh(action)
    return action


def a_recruitment_session(
    db, action: Action, *, employers: int = 2, slots: int = 2, places: int = 5, index: int = 0
) -> Session:
    session = action.sessions[index]
    for index in range(employers):
        employer = Employer(session_id=session.id, name=f"Entreprise {index + 1}")
        db.add(employer)
        db.flush()
        for hour in range(slots):
            db.add(
                Slot(
                    employer_id=employer.id,
                    capacity=places,
                    starts_at=paris_instant(today_in_paris() + timedelta(days=20), 9 + hour),
                )
            )
    db.commit()
    return session


def a_member(db, action: Action, professional: Professional, role: MemberRole) -> None:
    db.add(ActionMember(action_id=action.id, professional_id=professional.id, role=role))
    db.commit()


def a_co_prescriber(db, registration_id: int, professional: Professional) -> None:
    db.add(CoPrescriber(registration_id=registration_id, professional_id=professional.id))
    db.commit()


def a_candidate(
    db, *, last_name="Lefèvre", first_name="Lucas", birth_date=date(1990, 5, 17)
) -> Candidate:
    candidate = Candidate(
        last_name=last_name,
        first_name=first_name,
        birth_date=birth_date,
        last_name_key=search_key(last_name),
        first_name_key=search_key(first_name),
        gender=Gender.MALE,
        phone="06 39 98 00 01",
        address="2 rue Haxo, 38000 Grenoble",
        qualification_level="3",
    )
    db.add(candidate)
    db.commit()
    return candidate


# The statistical question that an action without eligibility requires ("Aucun" ticked).
STATISTICS_ANSWERED = FormAnswers(eligibility={"statistics": ["none"]})


SELF_REGISTERED_NAMES = ("Inès", "Léo", "Maëlle", "Noah", "Yasmine", "Théo", "Aya", "Hugo")


def a_self_registration(
    db, action: Action, *, eligibility: dict, questions: dict | None = None
) -> Registration:
    """A "candidat libre" registered from the public form on the action's first session."""
    number = next(_counter)
    data = SelfRegistrationInput(
        last_name="Libre",
        first_name=SELF_REGISTERED_NAMES[number % len(SELF_REGISTERED_NAMES)],
        birth_date=date(1990, 1, 1) + timedelta(days=number),
        phone="06 39 98 00 22",
        email=f"libre{number}@exemple.fr",
        session_ids=[action.sessions[0].id],
        accepts_notice=True,
        eligibility=eligibility,
        questions=questions or {},
    )
    register_self(db, action_id=action.id, data=data, client=f"203.0.113.{number % 250}")
    return db.exec(
        select(Registration)
        .where(Registration.action_id == action.id, Registration.is_self_registered)
        .order_by(Registration.id.desc())
    ).first()
