"""Failed local sign-ins are limited per email and per client address, on every app server."""

from datetime import timedelta

import pytest
from sqlmodel import select

from plie import accounts
from plie.errors import NotAllowed
from plie.models import SignInAttempt, utc_now
from plie.settings import Settings
from plie.throttle import TooManySignIns
from tests.builders import a_professional

SETTINGS = Settings(sign_in_failures_per_email=5, sign_in_failures_per_address=8)


@pytest.fixture
def someone(db):
    professional = a_professional(db)
    professional.password_hash = accounts.hash_password("le-bon-mot", rounds=4)
    db.add(professional)
    db.commit()
    return professional


def sign_in(db, email, password, client="10.0.0.1"):
    return accounts.authenticate_local(
        db,
        email=email,
        password=password,
        proconnect_enabled=False,
        client=client,
        settings=SETTINGS,
    )


def fail(db, email, client="10.0.0.1"):
    with pytest.raises(NotAllowed, match="Adresse email ou mot de passe incorrect"):
        sign_in(db, email, "pas-le-bon", client)


def test_after_five_failures_even_the_right_password_waits(db, someone):
    for _ in range(5):
        fail(db, someone.email)
    with pytest.raises(TooManySignIns, match="réessayez dans 15 minutes"):
        sign_in(db, someone.email, "le-bon-mot")
    # The limit is the account's: from another address it is just as closed.
    with pytest.raises(TooManySignIns):
        sign_in(db, someone.email, "le-bon-mot", client="10.0.0.2")


def test_four_failures_still_let_the_right_password_in(db, someone):
    for _ in range(4):
        fail(db, someone.email)
    assert sign_in(db, someone.email, "le-bon-mot").id == someone.id


def test_one_address_trying_many_emails_is_stopped(db, someone):
    for number in range(8):
        fail(db, f"inconnu{number}@test.example", client="192.0.2.7")
    with pytest.raises(TooManySignIns):
        sign_in(db, someone.email, "le-bon-mot", client="192.0.2.7")
    assert sign_in(db, someone.email, "le-bon-mot", client="192.0.2.8").id == someone.id


def test_failures_older_than_the_window_no_longer_count(db, someone):
    for _ in range(5):
        fail(db, someone.email)
    for attempt in db.exec(select(SignInAttempt)):
        attempt.at = utc_now() - timedelta(minutes=16)
        db.add(attempt)
    db.commit()
    assert sign_in(db, someone.email, "le-bon-mot").id == someone.id


def test_attempts_are_kept_as_hashes_only(db, someone):
    fail(db, someone.email, client="203.0.113.9")
    [attempt] = db.exec(select(SignInAttempt)).all()
    stored = f"{attempt.email_hash} {attempt.client_hash}"
    assert someone.email not in stored and "203.0.113.9" not in stored
    assert len(attempt.email_hash) == 64


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(db, someone):
    fail(db, "personne@test.example")
    fail(db, someone.email)
