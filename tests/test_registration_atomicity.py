"""A crash in the middle of a registration leaves all of it or none of it."""

import pytest
from sqlmodel import func, select

import plie.confirmation
from plie.db import reading, writing
from plie.enums import RegistrationStatus
from plie.models import OutboxEmail, Registration, RegistrationSession, Session, StatusChange
from plie.registrations import save_registration, submit_registration
from tests.builders import STATISTICS_ANSWERED
from tests.pg_builders import a_candidate, a_professional, a_published_action, a_session


class Crash(RuntimeError):
    pass


def crash_after_the_place_is_taken(*_args, **_kwargs):
    raise Crash("the process died while writing the confirmation email")


def count(db, column) -> int:
    return db.exec(select(func.count(column))).one()


def test_a_crash_while_submitting_a_new_registration_leaves_nothing(engine, monkeypatch):
    with writing(engine) as db:
        prescriber, candidate = a_professional(db), a_candidate(db)
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=10, places_left=3)
        db.commit()
    monkeypatch.setattr(plie.confirmation, "queue_email", crash_after_the_place_is_taken)

    with pytest.raises(Crash), writing(engine) as db:
        save_registration(
            db,
            by=prescriber.id,
            action_id=action.id,
            candidate_id=candidate.id,
            session_ids=[session.id],
            submit=True,
            answers=STATISTICS_ANSWERED,
        )

    with reading(engine) as db:
        assert db.get(Session, session.id).places_taken == 7
        assert count(db, Registration.id) == 0
        assert count(db, RegistrationSession.id) == 0
        assert count(db, StatusChange.id) == 0
        assert count(db, OutboxEmail.id) == 0


def test_a_crash_while_submitting_a_draft_leaves_the_draft_as_it_was(engine, monkeypatch):
    with writing(engine) as db:
        prescriber, candidate = a_professional(db), a_candidate(db)
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=10, places_left=3)
        draft = save_registration(
            db,
            by=prescriber.id,
            action_id=action.id,
            candidate_id=candidate.id,
            session_ids=[session.id],
            submit=False,
            answers=STATISTICS_ANSWERED,
        )
    monkeypatch.setattr(plie.confirmation, "queue_email", crash_after_the_place_is_taken)

    with pytest.raises(Crash), writing(engine) as db:
        submit_registration(db, by=prescriber.id, registration_id=draft.id)

    with reading(engine) as db:
        assert db.get(Session, session.id).places_taken == 7
        assert db.get(Registration, draft.id).status is RegistrationStatus.DRAFT
        assert count(db, StatusChange.id) == 1
        assert count(db, OutboxEmail.id) == 0
