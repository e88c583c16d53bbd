"""The self-registration limits hold when many requests from one address arrive together.

Each request is a real thread with its own database session, all released at once by a
barrier, as requests reaching several app servers would be. On PostgreSQL this needs the
advisory locks of plie.self_registration; SQLite runs writing transactions one at a time.
"""

from collections import Counter
from datetime import date

from sqlmodel import func, select

from plie.db import reading, writing
from plie.enums import RegistrationStatus
from plie.models import Candidate, Registration, SelfRegistrationAttempt, Session
from plie.registrations import ALREADY_SELF_REGISTERED, save_registration, submit_registration
from plie.self_registration import (
    RECEIVED,
    TOO_MANY_ATTEMPTS,
    SelfRegistrationInput,
    register_self,
)
from plie.settings import get_settings
from plie.text import search_key
from tests.builders import STATISTICS_ANSWERED
from tests.pg_builders import a_professional, a_published_action, a_session
from tests.test_places_under_load import run_together

LIMIT = 5
REQUESTS = 40


def test_simultaneous_attempts_from_one_address_record_at_most_the_limit(engine, monkeypatch):
    monkeypatch.setenv("PLIE_SELF_REGISTRATION_PER_ADDRESS", str(LIMIT))
    monkeypatch.setenv("PLIE_SELF_REGISTRATION_PER_EMAIL", "100")
    get_settings.cache_clear()
    with writing(engine) as db:
        action = a_published_action(db)
        action.allows_self_registration = True
        session = a_session(db, action=action, capacity=100, places_left=100)
        db.commit()

    def attempt(number):
        form = SelfRegistrationInput(
            last_name=f"Charge{chr(ord('a') + number % 26)}{chr(ord('a') + number // 26)}",
            first_name="Alex",
            birth_date="17/05/1990",
            phone="06 39 98 00 11",
            email=f"alex{number}@exemple.fr",
            session_ids=[session.id],
            accepts_notice=True,
            eligibility={"statistics": ["none"]},
        )
        with writing(engine) as db:
            return register_self(db, action_id=action.id, data=form, client="203.0.113.50")

    outcomes = run_together([lambda n=n: attempt(n) for n in range(REQUESTS)])

    assert Counter(outcomes) == {
        ("ok", RECEIVED): LIMIT,
        ("TooManyAttempts", TOO_MANY_ATTEMPTS): REQUESTS - LIMIT,
    }
    with reading(engine) as db:
        assert db.exec(select(func.count(SelfRegistrationAttempt.id))).one() == LIMIT
        assert db.exec(select(func.count(Registration.id))).one() == LIMIT


PEOPLE = 15


def test_a_draft_sent_while_its_candidate_registers_themself_leaves_one_registration(
    engine, monkeypatch
):
    """Sending a draft and the person's own registration, at the same moment: the organisers
    get exactly one of the two, never both."""
    monkeypatch.setenv("PLIE_SELF_REGISTRATION_PER_ADDRESS", "100")
    monkeypatch.setenv("PLIE_SELF_REGISTRATION_PER_EMAIL", "100")
    get_settings.cache_clear()
    names = [f"Course{chr(ord('a') + number)}" for number in range(PEOPLE)]
    with writing(engine) as db:
        action = a_published_action(db)
        action.allows_self_registration = True
        session = a_session(db, action=action, capacity=100, places_left=100)
        prescriber = a_professional(db)
        people = []
        for name in names:
            person = Candidate(
                last_name=name,
                first_name="Alex",
                birth_date=date(1990, 5, 17),
                last_name_key=search_key(name),
                first_name_key="alex",
            )
            db.add(person)
            db.flush()
            people.append(person.id)
        db.commit()
    drafts = []
    for candidate_id in people:
        with writing(engine) as db:
            draft = save_registration(
                db,
                by=prescriber.id,
                action_id=action.id,
                candidate_id=candidate_id,
                session_ids=[session.id],
                submit=False,
                answers=STATISTICS_ANSWERED,
            )
            drafts.append(draft.id)

    def send(draft_id):
        with writing(engine) as db:
            submit_registration(db, by=prescriber.id, registration_id=draft_id)
        return "sent"

    def register_themself(number):
        form = SelfRegistrationInput(
            last_name=names[number],
            first_name="Alex",
            birth_date="17/05/1990",
            phone="06 39 98 00 11",
            email=f"course{number}@exemple.fr",
            session_ids=[session.id],
            accepts_notice=True,
            eligibility={"statistics": ["none"]},
        )
        with writing(engine) as db:
            return register_self(db, action_id=action.id, data=form, client=f"203.0.113.{number}")

    jobs = [lambda d=d: send(d) for d in drafts]
    jobs += [lambda n=n: register_themself(n) for n in range(PEOPLE)]
    outcomes = run_together(jobs)

    sent = outcomes[:PEOPLE]
    assert set(sent) <= {("ok", "sent"), ("DomainError", ALREADY_SELF_REGISTERED)}
    assert Counter(outcomes[PEOPLE:]) == {("ok", RECEIVED): PEOPLE}
    with reading(engine) as db:
        running = db.exec(
            select(Registration.candidate_id, func.count(Registration.id))
            .where(Registration.status != RegistrationStatus.DRAFT)
            .group_by(Registration.candidate_id)
        ).all()
        assert sorted(running) == sorted((candidate_id, 1) for candidate_id in people)
        assert db.get(Session, session.id).places_taken == PEOPLE
