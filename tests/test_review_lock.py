"""A locked review holds against every path that writes: each one is tried here."""

from datetime import timedelta

import pytest
from sqlmodel import select

from plie.dates import now
from plie.enums import Attendance, RegistrationStatus
from plie.errors import DomainError, ReviewLocked
from plie.models import FollowUp, Registration, ReviewEntry, Session, SessionReview
from plie.registrations import (
    change_status,
    delete_registration,
    save_registration,
    submit_registration,
    unregister,
)
from plie.review_views import follow_ups_to_record
from plie.reviews import (
    FollowUpInput,
    ReviewLineInput,
    lock_review,
    record_follow_ups,
    record_review,
)
from tests.builders import STATISTICS_ANSWERED, a_candidate, a_professional
from tests.review_builders import a_registered_candidate, a_reviewable_action

S = RegistrationStatus
A = Attendance


def locked_message(label):
    return (
        f"Le bilan de la session « {label} » est verrouillé : plus rien n'y change. "
        "Seul le pilote de l'action peut le rouvrir."
    )


@pytest.fixture
def locked(db):
    """A session that began yesterday and runs for a month, still open to registrations,
    whose review is recorded and locked; one more registration waits as a draft."""
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db)
    action, session = a_reviewable_action(
        db, pilot=pilot, days_ago=1, lasts_days=30, deadline_in_days=20
    )
    validated = a_registered_candidate(db, session, prescriber, last_name="Benali")
    pending = a_registered_candidate(db, session, prescriber, status=S.PENDING, last_name="Roux")
    draft = a_registered_candidate(db, session, prescriber, status=S.DRAFT, last_name="Blanc")
    record_review(
        db,
        by=pilot.id,
        session_id=session.id,
        lines=[ReviewLineInput(r.id, A.PRESENT) for r in (validated, pending)],
    )
    lock_review(db, by=pilot.id, session_id=session.id)
    return pilot, prescriber, action, session, validated, pending, draft


def status_of(db, registration):
    db.expire_all()
    return db.get(Registration, registration.id).status


def test_recording_the_review_again_is_refused(db, locked):
    pilot, _, _, session, validated, _, _ = locked

    with pytest.raises(ReviewLocked) as refused:
        record_review(
            db,
            by=pilot.id,
            session_id=session.id,
            lines=[ReviewLineInput(validated.id, A.ABSENT)],
        )

    assert refused.value.message == locked_message(session.label)
    db.rollback()
    entry = db.exec(select(ReviewEntry).where(ReviewEntry.registration_id == validated.id)).one()
    assert entry.attendance is A.PRESENT


def test_locking_twice_is_refused(db, locked):
    pilot, _, _, session, *_ = locked

    with pytest.raises(ReviewLocked) as refused:
        lock_review(db, by=pilot.id, session_id=session.id)

    assert refused.value.message == "Le bilan de cette session est déjà verrouillé."


def test_an_organiser_cannot_change_the_state_of_one_registration(db, locked):
    pilot, _, _, session, validated, _, _ = locked

    result = change_status(
        db, by=pilot.id, registration_ids=[validated.id], to_status=S.REFUSED_BY_CANDIDATE
    )

    assert result.changed == []
    assert result.refused == {validated.id: locked_message(session.label)}
    assert status_of(db, validated) is S.VALIDATED


def test_a_bulk_change_refuses_the_locked_ones_and_changes_the_others(db, locked):
    pilot, prescriber, action, session, validated, pending, _ = locked
    open_session = Session(
        action_id=action.id,
        label="Session suivante",
        starts_at=now() + timedelta(days=30),
        ends_at=now() + timedelta(days=30, hours=3),
        capacity=10,
        registration_deadline=session.registration_deadline,
    )
    db.add(open_session)
    db.commit()
    elsewhere = a_registered_candidate(
        db, open_session, prescriber, status=S.PENDING, last_name="Faure"
    )

    result = change_status(
        db,
        by=pilot.id,
        registration_ids=[validated.id, pending.id, elsewhere.id],
        to_status=S.DEFERRED,
    )

    assert result.changed == [elsewhere.id]
    assert result.refused == {
        validated.id: locked_message(session.label),
        pending.id: locked_message(session.label),
    }
    assert (status_of(db, validated), status_of(db, pending)) == (S.VALIDATED, S.PENDING)
    assert status_of(db, elsewhere) is S.DEFERRED


def test_the_prescriber_cannot_unregister_the_candidate(db, locked):
    _, prescriber, _, session, validated, _, _ = locked

    with pytest.raises(ReviewLocked) as refused:
        unregister(db, by=prescriber.id, registration_id=validated.id)

    assert refused.value.message == locked_message(session.label)
    assert status_of(db, validated) is S.VALIDATED


def test_the_prescriber_cannot_delete_an_unprocessed_registration(db, locked):
    _, prescriber, _, session, _, pending, _ = locked

    with pytest.raises(ReviewLocked) as refused:
        delete_registration(db, by=prescriber.id, registration_id=pending.id)

    assert refused.value.message == locked_message(session.label)
    db.rollback()
    assert db.get(Registration, pending.id) is not None


def test_a_draft_cannot_be_sent_to_the_locked_session(db, locked):
    _, prescriber, _, session, _, _, draft = locked

    with pytest.raises(ReviewLocked) as refused:
        submit_registration(db, by=prescriber.id, registration_id=draft.id)

    assert refused.value.message == locked_message(session.label)
    assert status_of(db, draft) is S.DRAFT


def test_no_new_registration_joins_the_locked_session(db, locked):
    _, prescriber, action, session, *_ = locked
    newcomer = a_candidate(db, last_name="Nguyen")

    with pytest.raises(ReviewLocked) as refused:
        save_registration(
            db,
            by=prescriber.id,
            action_id=action.id,
            candidate_id=newcomer.id,
            session_ids=[session.id],
            submit=False,
            answers=STATISTICS_ANSWERED,
        )

    assert refused.value.message == locked_message(session.label)


def test_without_the_lock_the_same_changes_go_through(db, locked):
    # The refusals above come from the lock, not from another rule.
    pilot, prescriber, _, session, validated, pending, draft = locked
    review = db.exec(select(SessionReview).where(SessionReview.session_id == session.id)).one()
    review.locked_at = None
    db.add(review)
    db.commit()

    submit_registration(db, by=prescriber.id, registration_id=draft.id)
    unregister(db, by=prescriber.id, registration_id=validated.id)
    delete_registration(db, by=prescriber.id, registration_id=pending.id)

    assert status_of(db, draft) is S.PENDING
    assert status_of(db, validated) is S.UNREGISTERED


@pytest.fixture
def locked_long_ago(db):
    """A session held 100 days ago: its 1 and 3 month follow-ups are due, not the 6 month one."""
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db)
    _, session = a_reviewable_action(db, pilot=pilot, days_ago=100)
    came = a_registered_candidate(db, session, prescriber, last_name="Benali")
    missed = a_registered_candidate(db, session, prescriber, last_name="Roux")
    record_review(
        db,
        by=pilot.id,
        session_id=session.id,
        lines=[ReviewLineInput(came.id, A.PRESENT), ReviewLineInput(missed.id, A.ABSENT)],
    )
    lock_review(db, by=pilot.id, session_id=session.id)
    return pilot, session, came, missed


def test_a_due_follow_up_is_added_once_after_the_lock_then_never_changes(db, locked_long_ago):
    pilot, session, came, _ = locked_long_ago

    record_follow_ups(
        db, by=pilot.id, session_id=session.id, follow_ups=[FollowUpInput(came.id, 1, "temp_work")]
    )
    with pytest.raises(ReviewLocked) as refused:
        record_follow_ups(
            db,
            by=pilot.id,
            session_id=session.id,
            follow_ups=[FollowUpInput(came.id, 1, "permanent")],
        )

    assert refused.value.message == (
        f"Le bilan de la session « {session.label} » est verrouillé : le suivi à 1 mois de "
        "BENALI Lucas est saisi et ne change plus. "
        "Seul le pilote de l'action peut rouvrir le bilan."
    )
    db.rollback()
    assert db.exec(select(FollowUp.situation)).all() == ["temp_work"]


def test_clearing_a_recorded_follow_up_of_a_locked_review_is_refused(db, locked_long_ago):
    pilot, session, came, _ = locked_long_ago
    record_follow_ups(
        db, by=pilot.id, session_id=session.id, follow_ups=[FollowUpInput(came.id, 1, "training")]
    )

    with pytest.raises(ReviewLocked):
        record_follow_ups(
            db, by=pilot.id, session_id=session.id, follow_ups=[FollowUpInput(came.id, 1, None)]
        )


def test_a_follow_up_is_refused_before_it_is_due_and_for_an_absent_candidate(db, locked_long_ago):
    pilot, session, came, missed = locked_long_ago

    with pytest.raises(DomainError) as early:
        record_follow_ups(
            db,
            by=pilot.id,
            session_id=session.id,
            follow_ups=[FollowUpInput(came.id, 6, "permanent")],
        )
    with pytest.raises(DomainError) as absent:
        record_follow_ups(
            db,
            by=pilot.id,
            session_id=session.id,
            follow_ups=[FollowUpInput(missed.id, 1, "permanent")],
        )

    assert early.value.message.startswith("BENALI Lucas : le suivi à 6 mois se saisit à partir du ")
    assert absent.value.message == "Le suivi ne concerne que les candidats présents à la session."


def test_organisers_see_the_follow_ups_due_until_they_are_recorded(db, locked_long_ago):
    pilot, session, came, _ = locked_long_ago
    today = now().date()

    due = follow_ups_to_record(db, by=pilot.id, today=today)
    assert [(row["Candidat"], row["Suivi"]) for row in due] == [
        ("BENALI Lucas", "Suivi à 1 mois"),
        ("BENALI Lucas", "Suivi à 3 mois"),
    ]

    record_follow_ups(
        db, by=pilot.id, session_id=session.id, follow_ups=[FollowUpInput(came.id, 1, "training")]
    )
    due = follow_ups_to_record(db, by=pilot.id, today=today)
    assert [row["Suivi"] for row in due] == ["Suivi à 3 mois"]
    assert follow_ups_to_record(db, by=a_professional(db).id, today=today) == []
