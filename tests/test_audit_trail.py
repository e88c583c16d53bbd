"""Every change made by a signed-in person is in the audit trail, without the data itself."""

from datetime import date

import pytest
from sqlmodel import select

from plie import audit, documents
from plie.db import reading
from plie.enums import AuditEvent, RegistrationStatus
from plie.errors import NotAllowed
from plie.exports import export_triage
from plie.models import AuditEntry, Candidate, Document, OutboxEmail
from plie.queries import registration_view
from plie.registrations import change_status, save_registration
from plie.triage import TriageFilter
from tests.builders import STATISTICS_ANSWERED, a_candidate, a_professional, an_action


@pytest.fixture(autouse=True)
def nobody_acting():
    audit.act_as(None)
    yield
    audit.act_as(None)


def entries(db, **where):
    query = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return db.exec(query).all()


def test_a_change_is_recorded_with_who_where_and_which_fields_but_no_values(db):
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db)
    action = an_action(db, pilot=pilot)
    candidate = a_candidate(db, last_name="Secrète", first_name="Personne")
    registration = save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=candidate.id,
        session_ids=[action.sessions[0].id],
        submit=True,
        answers=STATISTICS_ANSWERED,
    )

    audit.act_as(pilot.id, page="inscriptions")
    change_status(
        db,
        by=pilot.id,
        registration_ids=[registration.id],
        to_status=RegistrationStatus.VALIDATED,
        comment="Mme Secrète viendra le matin",
    )

    [change] = entries(db, event=AuditEvent.CHANGE, object_type="registration")
    assert (change.professional_id, change.page, change.object_id) == (
        pilot.id,
        "inscriptions",
        registration.id,
    )
    assert "status" in change.detail
    everything = " ".join(f"{e.detail} {e.page} {e.object_type}" for e in entries(db))
    assert "Secrète" not in everything and "matin" not in everything


def test_creations_and_deletions_are_recorded_and_outbox_emails_are_not(db):
    someone = a_professional(db)
    audit.act_as(someone.id, page="inscrire")
    candidate = a_candidate(db)
    db.add(OutboxEmail(key="k1", to_address="x@test.example", subject="s", body="b"))
    db.commit()
    db.delete(db.get(Candidate, candidate.id))
    db.commit()

    kinds = [(e.event, e.object_type, e.object_id) for e in entries(db)]
    assert kinds == [
        (AuditEvent.CREATE, "candidate", candidate.id),
        (AuditEvent.DELETE, "candidate", candidate.id),
    ]


def test_nothing_is_recorded_when_nobody_is_acting(db):
    a_candidate(db)
    assert entries(db) == []


def test_an_export_is_recorded_even_from_a_read_only_session(db, engine):
    pilot = a_professional(db)
    action = an_action(db, pilot=pilot)
    db.commit()
    audit.act_as(pilot.id, page="inscriptions")
    # As the page does it: a read-only session, which never commits.
    with reading(engine) as read_only:
        export_triage(read_only, by=pilot.id, filters=TriageFilter(action_id=action.id))

    [export] = entries(db, event=AuditEvent.EXPORT)
    assert (export.professional_id, export.object_type, export.object_id, export.page) == (
        pilot.id,
        "action",
        action.id,
        "inscriptions",
    )


def test_opening_a_registration_is_one_view_per_person_within_ten_minutes(db, engine):
    prescriber = a_professional(db)
    action = an_action(db)
    registration = save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=a_candidate(db).id,
        session_ids=[action.sessions[0].id],
        submit=False,
    )
    db.commit()
    with reading(engine) as read_only:
        for _ in range(3):  # a page reruns on each click
            registration_view(
                read_only, by=prescriber.id, registration_id=registration.id, today=date.today()
            )

    [view] = entries(db, event=AuditEvent.VIEW_REGISTRATION)
    assert (view.professional_id, view.object_id) == (prescriber.id, registration.id)


def test_a_download_is_recorded_and_a_stranger_is_refused(db, engine):
    prescriber, stranger = a_professional(db), a_professional(db)
    action = an_action(db)
    registration = save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=a_candidate(db).id,
        session_ids=[action.sessions[0].id],
        submit=False,
    )
    document = Document(
        registration_id=registration.id,
        purpose="fse_proof",
        stored_name=f"{'b' * 32}.pdf",
        content_type="application/pdf",
        size=10,
    )
    db.add(document)
    db.commit()
    with reading(engine) as read_only:
        documents.record_download(read_only, by=prescriber.id, document_id=document.id)
        with pytest.raises(NotAllowed):
            documents.record_download(read_only, by=stranger.id, document_id=document.id)

    [download] = entries(db, event=AuditEvent.DOWNLOAD)
    assert (download.professional_id, download.object_type, download.object_id) == (
        prescriber.id,
        "document",
        document.id,
    )
