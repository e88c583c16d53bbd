"""The self-registration limits hold when many requests from one address arrive together.

Each request is a real thread with its own database session, all released at once by a
barrier, as requests reaching several app servers would be. On PostgreSQL this needs the
advisory locks of plie.self_registration; SQLite runs writing transactions one at a time.
"""

from collections import Counter

from sqlmodel import func, select

from plie.db import reading, writing
from plie.models import Registration, SelfRegistrationAttempt
from plie.self_registration import (
    RECEIVED,
    TOO_MANY_ATTEMPTS,
    SelfRegistrationInput,
    register_self,
)
from plie.settings import get_settings
from tests.pg_builders import a_published_action, a_session
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
