"""The audit trail keeps no personal data nor any entry past its time; idle files are anonymised."""

from datetime import timedelta

import pytest
from sqlmodel import select

from plie import audit, retention
from plie.enums import AuditEvent, Gender, OutboxStatus, RegistrationStatus
from plie.models import (
    AuditEntry,
    Candidate,
    Document,
    EligibilityAnswer,
    OutboxEmail,
    Registration,
    SelfRegistration,
    SelfRegistrationAttempt,
    StatusChange,
    utc_now,
)
from plie.registrations import save_registration
from plie.settings import Settings, get_settings
from tests.builders import STATISTICS_ANSWERED, a_candidate, a_professional, an_action

SETTINGS = Settings(candidate_inactivity_days=730, sent_email_retention_days=90)
LATER = timedelta(days=800)


def register(db, action, prescriber, candidate):
    return save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=candidate.id,
        session_ids=[s.id for s in action.sessions],
        submit=True,
        answers=STATISTICS_ANSWERED,
    )


@pytest.fixture
def prescriber(db):
    return a_professional(db)


def test_an_entry_names_the_record_and_never_takes_free_text(db, prescriber):
    audit.record(
        db,
        professional_id=prescriber.id,
        event=AuditEvent.VIEW_CANDIDATE,
        object_type="candidate",
        object_id=7,
        page="inscription",
    )
    db.commit()
    [row] = audit.entries(db, audit.AuditFilter())
    assert (row["event"], row["object_type"], row["object_id"], row["page"]) == (
        AuditEvent.VIEW_CANDIDATE,
        "candidate",
        7,
        "inscription",
    )
    for free_text in ("Mme O'Neil a dit « oui »", "ligne 1\nligne 2", "x" * 301):
        with pytest.raises(ValueError):
            audit.record(
                db,
                professional_id=prescriber.id,
                event=AuditEvent.CHANGE,
                object_type="registration",
                detail=free_text,
            )


def test_entries_are_filtered_by_who_what_and_when(db, prescriber):
    other = a_professional(db, first_name="Autre")
    audit.record(db, professional_id=prescriber.id, event=AuditEvent.EXPORT, object_type="action")
    audit.record(db, professional_id=other.id, event=AuditEvent.DOWNLOAD, object_type="document")
    old = audit.record(
        db, professional_id=prescriber.id, event=AuditEvent.DOWNLOAD, object_type="document"
    )
    old.at = utc_now() - timedelta(days=40)
    db.commit()

    mine = audit.entries(db, audit.AuditFilter(professional_id=prescriber.id))
    assert len(mine) == 2
    downloads = audit.entries(db, audit.AuditFilter(event=AuditEvent.DOWNLOAD))
    assert len(downloads) == 2
    today = utc_now().date()
    recent = audit.entries(
        db, audit.AuditFilter(event=AuditEvent.DOWNLOAD, start=today - timedelta(days=7))
    )
    assert [row["professional"].startswith("Autre") for row in recent] == [True]


def test_entries_older_than_the_retention_period_are_removed_and_no_others(db, prescriber):
    for age in (10, 364, 366, 900):
        entry = audit.record(
            db, professional_id=prescriber.id, event=AuditEvent.EXPORT, object_type="action"
        )
        entry.at = utc_now() - timedelta(days=age)
    db.commit()
    assert audit.count_older_than(db, keep_days=365) == 2
    assert audit.purge(db, keep_days=365) == 2
    db.commit()
    ages = sorted((utc_now() - entry.at).days for entry in db.exec(select(AuditEntry)))
    assert ages == [10, 364]


def test_only_candidates_inactive_for_two_years_are_listed(db, prescriber):
    action = an_action(db)
    idle = a_candidate(db, last_name="Oubli")
    register(db, action, prescriber, idle)
    busy = a_candidate(db, last_name="Actif")
    busy_registration = register(db, action, prescriber, busy)
    busy_registration.updated_at = utc_now() + timedelta(days=500)
    db.add(busy_registration)
    # A session far ahead keeps a file alive even when nothing else moves.
    far_action = an_action(db, deadline_in_days=600)
    waiting = a_candidate(db, last_name="Patient")
    register(db, far_action, prescriber, waiting)
    db.commit()

    assert retention.plan(db, SETTINGS).candidate_ids == []
    found = retention.plan(db, SETTINGS, now=utc_now() + LATER)
    assert found.candidate_ids == [idle.id]


def test_the_dry_run_changes_nothing(db, prescriber):
    idle = a_candidate(db, last_name="Oubli")
    register(db, an_action(db), prescriber, idle)
    found = retention.plan(db, SETTINGS, now=utc_now() + LATER)
    db.commit()
    db.expire_all()
    assert found.candidate_ids == [idle.id]
    assert db.get(Candidate, idle.id).last_name == "Oubli"
    assert db.get(Candidate, idle.id).anonymised_at is None


def test_anonymising_removes_identity_and_keeps_what_statistics_count(db, prescriber):
    idle = a_candidate(db, last_name="Oubli", first_name="Jeanne")
    idle.gender, idle.is_qpv, idle.email = Gender.FEMALE, True, "jeanne.oubli@test.example"
    idle.france_travail_id, idle.viesion_id = "1234567A", "V-42"
    db.add(idle)
    registration = register(db, an_action(db), prescriber, idle)
    db.add(
        StatusChange(
            registration_id=registration.id,
            from_status=RegistrationStatus.PENDING,
            to_status=RegistrationStatus.PENDING,
            comment="Jeanne Oubli préfère le matin",
        )
    )
    db.commit()
    born = idle.birth_date

    retention.apply(db, SETTINGS, now=utc_now() + LATER)
    db.commit()
    db.expire_all()

    kept = db.get(Candidate, idle.id)
    assert (kept.last_name, kept.first_name) == ("Anonyme", "Anonyme")
    assert (kept.phone, kept.email, kept.address) == (None, None, None)
    assert (kept.france_travail_id, kept.viesion_id) == (None, None)
    assert kept.anonymised_at is not None
    assert (kept.gender, kept.is_qpv, kept.qualification_level) == (Gender.FEMALE, True, "3")
    assert (kept.birth_date.year, kept.birth_date.month, kept.birth_date.day) == (
        born.year,
        born.month,
        1,
    )
    assert db.get(Registration, registration.id).status == RegistrationStatus.PENDING
    comments = db.exec(
        select(StatusChange.comment).where(StatusChange.registration_id == registration.id)
    ).all()
    assert comments and all(comment == "" for comment in comments)
    # Done once: the next run finds nothing more to anonymise.
    assert retention.plan(db, SETTINGS, now=utc_now() + LATER).candidate_ids == []


def test_anonymising_runs_the_erasers_other_modules_register(db, prescriber, monkeypatch):
    erased = []
    monkeypatch.setattr(retention, "CANDIDATE_ERASERS", [lambda _db, ids: erased.extend(ids)])
    idle = a_candidate(db)
    register(db, an_action(db), prescriber, idle)
    retention.apply(db, SETTINGS, now=utc_now() + LATER)
    assert erased == [idle.id]


def test_sent_emails_go_after_their_time_and_unsent_ones_stay(db):
    now = utc_now()
    for key, status, sent_days_ago in (
        ("old-sent", OutboxStatus.SENT, 100),
        ("recent-sent", OutboxStatus.SENT, 10),
        ("old-failed", OutboxStatus.FAILED, None),
        ("pending", OutboxStatus.PENDING, None),
    ):
        db.add(
            OutboxEmail(
                key=key,
                to_address="x@test.example",
                subject="s",
                body="b",
                status=status,
                created_at=now - timedelta(days=200),
                sent_at=now - timedelta(days=sent_days_ago) if sent_days_ago else None,
            )
        )
    db.commit()
    assert retention.plan(db, SETTINGS).sent_emails == 1
    retention.apply(db, SETTINGS)
    db.commit()
    assert sorted(db.exec(select(OutboxEmail.key))) == ["old-failed", "pending", "recent-sent"]


def test_a_run_that_did_something_leaves_an_entry_without_personal_data(db, prescriber):
    idle = a_candidate(db, last_name="Oubli")
    register(db, an_action(db), prescriber, idle)
    retention.apply(db, SETTINGS, now=utc_now() + LATER)
    db.commit()
    [entry] = db.exec(select(AuditEntry).where(AuditEntry.event == AuditEvent.RETENTION)).all()
    assert "Oubli" not in entry.detail and "candidates=1" in entry.detail


def test_the_command_dry_run_lists_and_changes_nothing(db, engine, prescriber, monkeypatch, capsys):
    idle = a_candidate(db, last_name="Oubli")
    register(db, an_action(db), prescriber, idle)
    monkeypatch.setattr(retention, "get_engine", lambda: engine)
    monkeypatch.setattr(retention, "get_settings", lambda: Settings(candidate_inactivity_days=30))
    monkeypatch.setattr(retention, "utc_now", lambda: utc_now() + LATER)
    db.commit()
    assert retention.main(["--dry-run"]) == 0
    assert f"candidat n° {idle.id}" in capsys.readouterr().out
    db.expire_all()
    assert db.get(Candidate, idle.id).anonymised_at is None
    db.commit()
    assert retention.main([]) == 0
    assert "1 candidat à anonymiser" in capsys.readouterr().out
    db.expire_all()
    assert db.get(Candidate, idle.id).anonymised_at is not None


def test_anonymising_erases_what_a_candidat_libre_typed_and_old_form_attempts(db, prescriber):
    idle = a_candidate(db, last_name="Libre")
    registration = register(db, an_action(db), prescriber, idle)
    db.add(
        SelfRegistration(
            registration_id=registration.id,
            email="libre@test.example",
            phone="06 11 22 33 44",
            consent_notice_version="1",
        )
    )
    db.add(SelfRegistrationAttempt(client_hash="a" * 64, email_hash="b" * 64))
    db.commit()

    retention.apply(db, SETTINGS, now=utc_now() + LATER)
    db.commit()
    db.expire_all()
    typed = db.exec(select(SelfRegistration)).one()
    assert (typed.email, typed.phone) == ("", None)
    assert db.exec(select(SelfRegistrationAttempt)).all() == []


def test_documents_go_once_their_action_ended_long_ago_files_included(
    db, prescriber, tmp_path, monkeypatch
):
    monkeypatch.setenv("PLIE_UPLOAD_DIR", str(tmp_path))
    get_settings.cache_clear()
    registration = register(db, an_action(db), prescriber, a_candidate(db))
    stored = f"{'a' * 32}.pdf"
    (tmp_path / stored).write_bytes(b"%PDF-1.4 test")
    db.add(
        Document(
            registration_id=registration.id,
            purpose="fse_proof",
            stored_name=stored,
            content_type="application/pdf",
            size=13,
        )
    )
    db.add(EligibilityAnswer(registration_id=registration.id, field="statistics", value="rsa"))
    db.commit()
    settings = Settings(document_retention_days=365, candidate_inactivity_days=730)

    assert retention.plan(db, settings, now=utc_now() + timedelta(days=300)).document_ids == []
    done = retention.apply(db, settings, now=utc_now() + timedelta(days=400))
    db.commit()
    retention.remove_files(done)

    assert len(done.document_ids) == 1 and done.candidate_ids == []
    assert db.exec(select(Document)).all() == []
    assert not (tmp_path / stored).exists()
    # The candidate is still active: the answers stay until they are anonymised.
    assert len(db.exec(select(EligibilityAnswer)).all()) == 2


def test_anonymising_deletes_the_eligibility_answers(db, prescriber):
    registration = register(db, an_action(db), prescriber, a_candidate(db))
    db.add(EligibilityAnswer(registration_id=registration.id, field="statistics", value="rsa"))
    db.commit()
    retention.apply(db, SETTINGS, now=utc_now() + LATER)
    db.commit()
    assert db.exec(select(EligibilityAnswer)).all() == []
