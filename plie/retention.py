"""Retention: nothing personal stays longer than the PLIE needs it.

- Candidates with no activity for `candidate_inactivity_days` (two years by default) are
  anonymised: their identity and contact details go, the fields the statistics count (gender,
  QPV, qualification level, birth month) stay, and so do their registrations' states.
- Documents are deleted `document_retention_days` after their action's last session, and with
  the answers when their candidate is anonymised.
- Emails already sent, which quote candidates' names, are removed after
  `sent_email_retention_days`.
- Audit entries are removed after `audit_retention_days` (a year by default).
- Attempts at the public self-registration form are removed once older than the limits' window.

`plan()` says what would be done without touching anything (the dry run); `apply()` does it
in one transaction. The command `python -m plie.retention [--dry-run]` runs it, and the app
runs it on a schedule (`start_background`).
"""

import argparse
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit, documents, throttle
from plie.background import BackgroundThread
from plie.db import get_engine, reading, writing
from plie.enums import AuditEvent, OutboxStatus
from plie.models import (
    Candidate,
    Document,
    EligibilityAnswer,
    OutboxEmail,
    QuestionAnswer,
    Registration,
    RegistrationSession,
    SelfRegistration,
    SelfRegistrationAttempt,
    Session,
    StatusChange,
    utc_now,
)
from plie.settings import Settings, get_settings
from plie.text import counted

log = logging.getLogger(__name__)

ANONYMOUS = "Anonyme"

# Other modules add what they must erase for a candidate being anonymised (answers, files):
# each receives the database session and the candidate ids.
CANDIDATE_ERASERS: list[Callable[[DbSession, list[int]], None]] = []


@dataclass
class RetentionPlan:
    now: datetime
    candidate_ids: list[int] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    sent_emails: int = 0
    audit_entries: int = 0
    # The files of the documents removed: deleted from the disk once the transaction commits.
    files_to_remove: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.candidate_ids or self.document_ids or self.sent_emails or self.audit_entries
        )

    def summary(self) -> str:
        return (
            f"{counted(len(self.candidate_ids), 'candidat')} à anonymiser, "
            f"{counted(len(self.document_ids), 'document')} à supprimer, "
            f"{counted(self.sent_emails, 'email envoyé', 'emails envoyés')} à supprimer, "
            f"{counted(self.audit_entries, 'entrée')} du journal à supprimer"
        )


def _inactive_candidate_ids(db: DbSession, cutoff: datetime) -> list[int]:
    """Candidates not yet anonymised whose last sign of activity is older than the cutoff.

    Activity is the candidate's creation, any change to one of their registrations, and the end
    of any session those registrations cover (a session next year keeps the file alive).
    """
    last_change = (
        select(Registration.candidate_id, func.max(Registration.updated_at).label("last"))
        .group_by(Registration.candidate_id)
        .subquery()
    )
    last_session = (
        select(Registration.candidate_id, func.max(Session.ends_at).label("last"))
        .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
        .join(Session, Session.id == RegistrationSession.session_id)
        .group_by(Registration.candidate_id)
        .subquery()
    )
    query = (
        select(Candidate.id)
        .join(last_change, last_change.c.candidate_id == Candidate.id, isouter=True)
        .join(last_session, last_session.c.candidate_id == Candidate.id, isouter=True)
        .where(
            Candidate.anonymised_at.is_(None),
            Candidate.created_at < cutoff,
            (last_change.c.last.is_(None)) | (last_change.c.last < cutoff),
            (last_session.c.last.is_(None)) | (last_session.c.last < cutoff),
        )
        .order_by(Candidate.id)
    )
    return list(db.exec(query))


def _documents_due(db: DbSession, candidate_ids: list[int], cutoff: datetime) -> list[int]:
    """Documents of the candidates to anonymise, and of actions whose last session ended
    before the cutoff."""
    last_session = (
        select(Session.action_id, func.max(Session.ends_at).label("last"))
        .group_by(Session.action_id)
        .subquery()
    )
    query = (
        select(Document.id)
        .join(Registration, Registration.id == Document.registration_id)
        .join(last_session, last_session.c.action_id == Registration.action_id, isouter=True)
        .where(
            Registration.candidate_id.in_(candidate_ids)
            | (last_session.c.last.is_not(None) & (last_session.c.last < cutoff))
        )
        .order_by(Document.id)
    )
    return list(db.exec(query))


def plan(db: DbSession, settings: Settings, *, now: datetime | None = None) -> RetentionPlan:
    now = now or utc_now()
    result = RetentionPlan(now=now)
    result.candidate_ids = _inactive_candidate_ids(
        db, now - timedelta(days=settings.candidate_inactivity_days)
    )
    result.document_ids = _documents_due(
        db, result.candidate_ids, now - timedelta(days=settings.document_retention_days)
    )
    email_cutoff = now - timedelta(days=settings.sent_email_retention_days)
    result.sent_emails = db.exec(
        select(func.count()).where(
            OutboxEmail.status == OutboxStatus.SENT, OutboxEmail.sent_at < email_cutoff
        )
    ).one()
    result.audit_entries = audit.count_older_than(
        db, keep_days=settings.audit_retention_days, now=now
    )
    return result


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def anonymise_candidates(db: DbSession, candidate_ids: list[int], *, now: datetime) -> None:
    """Replace identities by "Anonyme"; keep what the statistics count."""
    for candidate in db.exec(select(Candidate).where(Candidate.id.in_(candidate_ids))):
        candidate.last_name = candidate.first_name = ANONYMOUS
        candidate.last_name_key = candidate.first_name_key = ANONYMOUS.lower()
        candidate.birth_date = _first_of_month(candidate.birth_date)
        candidate.phone = candidate.email = candidate.address = None
        candidate.france_travail_id = candidate.viesion_id = None
        candidate.anonymised_at = now
        db.add(candidate)
    # Comments are free text: they may name the person.
    registration_ids = select(Registration.id).where(Registration.candidate_id.in_(candidate_ids))
    db.exec(
        update(StatusChange)
        .where(StatusChange.registration_id.in_(registration_ids))
        .values(comment="")
    )
    # The eligibility answers (some of them sensitive) and the answers to the action's questions.
    db.exec(
        delete(EligibilityAnswer).where(EligibilityAnswer.registration_id.in_(registration_ids))
    )
    db.exec(
        update(QuestionAnswer)
        .where(QuestionAnswer.registration_id.in_(registration_ids))
        .values(value="")
    )
    # What a "candidat libre" typed to be reached.
    db.exec(
        update(SelfRegistration)
        .where(SelfRegistration.registration_id.in_(registration_ids))
        .values(email="", phone=None)
    )
    for erase in CANDIDATE_ERASERS:
        erase(db, candidate_ids)


def apply(db: DbSession, settings: Settings, *, now: datetime | None = None) -> RetentionPlan:
    """Do what plan() lists, in the caller's transaction; the plan carried out is returned."""
    done = plan(db, settings, now=now)
    if done.document_ids:
        done.files_to_remove = list(
            db.exec(select(Document.stored_name).where(Document.id.in_(done.document_ids)))
        )
        db.exec(delete(Document).where(Document.id.in_(done.document_ids)))
    if done.candidate_ids:
        anonymise_candidates(db, done.candidate_ids, now=done.now)
    email_cutoff = done.now - timedelta(days=settings.sent_email_retention_days)
    db.exec(
        delete(OutboxEmail).where(
            OutboxEmail.status == OutboxStatus.SENT, OutboxEmail.sent_at < email_cutoff
        )
    )
    audit.purge(db, keep_days=settings.audit_retention_days, now=done.now)
    throttle.forget_old_attempts(db, settings=settings, now=done.now)
    # The abuse limits only look back one window: older attempts serve nothing.
    db.exec(
        delete(SelfRegistrationAttempt).where(
            SelfRegistrationAttempt.at
            < done.now - timedelta(minutes=2 * settings.self_registration_window_minutes)
        )
    )
    if not done.is_empty:
        audit.record(
            db,
            professional_id=None,
            event=AuditEvent.RETENTION,
            object_type="candidate",
            detail=(
                f"candidates={len(done.candidate_ids)} documents={len(done.document_ids)} "
                f"emails={done.sent_emails} audit={done.audit_entries}"
            ),
        )
    log.info(
        "retention_applied candidates=%s sent_emails=%s audit_entries=%s",
        len(done.candidate_ids),
        done.sent_emails,
        done.audit_entries,
    )
    return done


def remove_files(done: RetentionPlan) -> None:
    """Once the transaction that removed the documents has committed, their files go too."""
    for stored_name in done.files_to_remove:
        documents.remove_file(stored_name)


def run_once(engine: Engine, settings: Settings) -> RetentionPlan:
    with writing(engine) as db:
        done = apply(db, settings)
        db.commit()
    remove_files(done)
    return done


_background = BackgroundThread("plie-retention")


def start_background(engine: Engine, settings: Settings) -> threading.Thread:
    """Run the retention rules now and then every `housekeeping_interval_hours`, once per process.

    Several app servers may each run it: every step is idempotent, so they only repeat nothing.
    """

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                run_once(engine, settings)
            except Exception:
                log.exception("retention_round_failed")
            stop.wait(settings.housekeeping_interval_hours * 3600)

    return _background.start(loop)


def stop_background(timeout: float = 10.0) -> None:
    _background.stop(timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Anonymise inactive candidates and remove old emails and audit entries."
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be done, change nothing"
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    engine = get_engine()
    if arguments.dry_run:
        with reading(engine) as db:
            found = plan(db, settings)
        print(f"Simulation : {found.summary()}.")
        for candidate_id in found.candidate_ids:
            print(f"  candidat n° {candidate_id}")
        return 0
    done = run_once(engine, settings)
    print(f"Fait : {done.summary()}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
