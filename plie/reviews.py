"""Session reviews ("bilans"): recording, locking, reopening, and the follow-ups.

Each public function is one unit of work that commits once. What the lock covers:

- attendance, outcomes and comments never change while the review is locked;
- a follow-up already recorded never changes either; a follow-up not yet recorded may still be
  added once it is due (the 1, 3 and 6 month follow-ups come after the session, so after the
  lock), and from then on it is locked like the rest;
- the registrations of the session no longer change state nor are deleted (plie.review_lock).

Only the action's pilot reopens a locked review, giving a reason; the locked version is kept
(ReviewVersion) and every value changed afterwards is recorded (ReviewChange).
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import format_date, format_span, now, today_in_paris
from plie.enums import Attendance
from plie.errors import DomainError, InvalidInput, NotFound, ReviewLocked
from plie.models import (
    Action,
    CoPrescriber,
    Employer,
    FollowUp,
    Professional,
    Registration,
    ReviewChange,
    ReviewEntry,
    ReviewOutcome,
    ReviewVersion,
    Session,
    SessionReview,
)
from plie.notifications import queue_email
from plie.permissions import Operation, require
from plie.reference import FOLLOW_UP_MONTHS, OUTCOME_BY_CODE, SITUATION_BY_CODE
from plie.review_lock import locked_message
from plie.review_views import (
    follow_up_due,
    lines_to_json,
    live_lines,
    outcome_label,
    session_members,
    situation_label,
)
from plie.settings import get_settings

log = logging.getLogger(__name__)

MAX_COMMENT = 1000


@dataclass
class EmployerOutcomeInput:
    outcome: str | None = None  # a code of plie.reference.OUTCOMES
    comment: str = ""


@dataclass
class ReviewLineInput:
    """What the organiser entered for one candidate of the session."""

    registration_id: int
    attendance: Attendance | None = None
    outcome: str | None = None  # for a session without employers
    comment: str = ""
    employers: dict[int, EmployerOutcomeInput] = field(default_factory=dict)


@dataclass
class FollowUpInput:
    registration_id: int
    months: int
    situation: str | None  # a code of plie.reference.FOLLOW_UP_SITUATIONS; None clears it
    comment: str | None = None  # None keeps the comment already recorded


def review_link(session_id: int) -> str:
    return f"{get_settings().base_url}/bilan?session={session_id}"


def load_session(db: DbSession, session_id: int) -> tuple[Session, Action]:
    session = db.get(Session, session_id)
    if session is None:
        raise NotFound("Cette session n'existe pas.")
    return session, db.get(Action, session.action_id)


def _check_started(session: Session) -> None:
    if session.starts_at > now():
        raise DomainError(
            f"La session « {session.label} » n'a pas encore eu lieu : son bilan se saisit "
            "à partir de son début."
        )


def _review_for_update(db: DbSession, session_id: int) -> SessionReview:
    """The session's review row, created if needed, locked against concurrent writers."""
    query = select(SessionReview).where(SessionReview.session_id == session_id).with_for_update()
    review = db.exec(query).first()
    if review is not None:
        return review
    try:
        with db.begin_nested():
            review = SessionReview(session_id=session_id)
            db.add(review)
    except IntegrityError:
        # Another organiser created it at the same moment: use theirs.
        review = db.exec(query.execution_options(populate_existing=True)).one()
    return review


class _History:
    """Records each value that changes in a review, with who changed it and when."""

    def __init__(self, db: DbSession, *, session_id: int, by: int):
        self.db, self.session_id, self.by, self.count = db, session_id, by, 0

    def note(self, registration_id: int, what: str, before: str, after: str) -> None:
        if (before or "") == (after or ""):
            return
        self.count += 1
        self.db.add(
            ReviewChange(
                session_id=self.session_id,
                registration_id=registration_id,
                what=what,
                before=(before or "")[:MAX_COMMENT],
                after=(after or "")[:MAX_COMMENT],
                by_id=self.by,
            )
        )


def _attendance_label(attendance: Attendance | None) -> str:
    return attendance.label if attendance else ""


def _clean_comment(text: str | None, name: str, errors: dict, key: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        errors[key] = f"{name} : le commentaire dépasse {MAX_COMMENT} caractères."
    return text


def _validate_line(line, name, employers, errors) -> None:
    key = f"line-{line.registration_id}"
    if line.attendance is not None and not isinstance(line.attendance, Attendance):
        errors[key] = f"{name} : la présence doit être Présent, Absent ou Excusé."
        return
    codes = [line.outcome] + [given.outcome for given in line.employers.values()]
    if any(code and code not in OUTCOME_BY_CODE for code in codes):
        errors[key] = f"{name} : cette suite donnée n'est pas dans la liste du PLIE."
    elif employers and line.outcome:
        errors[key] = f"{name} : indiquez la suite donnée auprès de chaque employeur."
    elif set(line.employers) - set(employers):
        errors[key] = f"{name} : cet employeur n'a pas participé à la session."
    elif line.attendance is not Attendance.PRESENT and any(codes):
        errors[key] = f"{name} : seul un candidat présent peut avoir une suite donnée."


def record_review(db: DbSession, *, by: int, session_id: int, lines: list[ReviewLineInput]) -> int:
    """Save the lines given (a page of candidates), all or nothing; returns the values changed."""
    session, action = load_session(db, session_id)
    require(db, professional_id=by, action_id=action.id, operation=Operation.RECORD_REVIEW)
    _check_started(session)
    review = _review_for_update(db, session_id)
    if review.is_locked:
        raise ReviewLocked(locked_message(session.label))

    # Only the candidates of the lines given (one page of the table) are read and saved.
    given = [line.registration_id for line in lines]
    members = session_members(db, session_ids=[session_id], registration_ids=given)
    names = {registration.id: candidate.display_name for registration, candidate, *_ in members}
    employers = {
        e.id: e.name for e in db.exec(select(Employer).where(Employer.session_id == session_id))
    }
    errors: dict[str, str] = {}
    for line in lines:
        name = names.get(line.registration_id)
        if name is None:
            errors[f"line-{line.registration_id}"] = (
                "Une des lignes ne correspond à aucun candidat inscrit à cette session."
            )
            continue
        _validate_line(line, name, employers, errors)
        line.comment = _clean_comment(line.comment, name, errors, f"comment-{line.registration_id}")
        for employer_id, given in line.employers.items():
            given.comment = _clean_comment(
                given.comment, name, errors, f"comment-{line.registration_id}-{employer_id}"
            )
    if errors:
        raise InvalidInput(errors)

    history = _History(db, session_id=session_id, by=by)
    _apply_lines(db, history, lines, employers)
    review.updated_at = now()
    db.add(review)
    db.commit()
    log.info(
        "review_recorded session=%s lines=%s changes=%s by=%s",
        session_id,
        len(lines),
        history.count,
        by,
    )
    return history.count


def _apply_lines(db, history: _History, lines, employers) -> None:
    session_id = history.session_id
    given = [line.registration_id for line in lines]
    entries = {
        e.registration_id: e
        for e in db.exec(
            select(ReviewEntry).where(
                ReviewEntry.session_id == session_id, ReviewEntry.registration_id.in_(given)
            )
        )
    }
    outcomes = {
        (o.registration_id, o.employer_id): o
        for o in db.exec(
            select(ReviewOutcome).where(
                ReviewOutcome.session_id == session_id, ReviewOutcome.registration_id.in_(given)
            )
        )
    }
    for line in lines:
        registration_id = line.registration_id
        entry = entries.get(registration_id) or ReviewEntry(
            registration_id=registration_id, session_id=session_id
        )
        before = history.count
        history.note(
            registration_id,
            "Présence",
            _attendance_label(entry.attendance),
            _attendance_label(line.attendance),
        )
        history.note(
            registration_id,
            "Suite donnée",
            outcome_label(entry.outcome),
            outcome_label(line.outcome),
        )
        history.note(registration_id, "Commentaire", entry.comment, line.comment)
        if entry.id is None or history.count > before:
            entry.attendance, entry.outcome, entry.comment = (
                line.attendance,
                line.outcome,
                line.comment,
            )
            entry.updated_at, entry.updated_by_id = now(), history.by
            db.add(entry)

        for employer_id, given in line.employers.items():
            outcome = outcomes.get((registration_id, employer_id)) or ReviewOutcome(
                registration_id=registration_id, session_id=session_id, employer_id=employer_id
            )
            before, name = history.count, employers[employer_id]
            history.note(
                registration_id,
                f"Suite donnée – {name}",
                outcome_label(outcome.outcome),
                outcome_label(given.outcome),
            )
            history.note(registration_id, f"Commentaire – {name}", outcome.comment, given.comment)
            if history.count > before:
                outcome.outcome, outcome.comment = given.outcome, given.comment
                db.add(outcome)


def lock_review(db: DbSession, *, by: int, session_id: int) -> None:
    """ "Verrouiller le bilan": nothing in it changes any more; its prescribers are told."""
    session, action = load_session(db, session_id)
    require(db, professional_id=by, action_id=action.id, operation=Operation.RECORD_REVIEW)
    _check_started(session)
    review = _review_for_update(db, session_id)
    if review.is_locked:
        raise ReviewLocked("Le bilan de cette session est déjà verrouillé.")

    lines = live_lines(db, session_ids=[session_id])
    missing = [line.candidate for line in lines.values() if not line.attendance]
    if missing:
        raise DomainError(
            "Saisissez la présence de chaque candidat avant de verrouiller le bilan. "
            f"Elle manque pour : {', '.join(missing)}."
        )

    review.locked_at, review.locked_by_id = now(), by
    review.times_locked += 1
    db.add(review)
    _queue_lock_emails(db, session, action, review, lines.values())
    db.commit()
    log.info("review_locked session=%s version=%s by=%s", session_id, review.times_locked, by)


def _queue_lock_emails(db, session, action, review, lines) -> None:
    """One email to each prescriber and co-prescriber, naming their candidates in the session."""
    by_registration = {line.registration_id: line for line in lines}
    if not by_registration:
        return
    followers: dict[int, list[str]] = {}
    main = db.exec(
        select(Registration.id, Registration.prescriber_id).where(
            Registration.id.in_(list(by_registration))
        )
    ).all()
    co = db.exec(
        select(CoPrescriber.registration_id, CoPrescriber.professional_id).where(
            CoPrescriber.registration_id.in_(list(by_registration))
        )
    ).all()
    for registration_id, professional_id in [*main, *co]:
        if professional_id is not None:
            names = followers.setdefault(professional_id, [])
            if by_registration[registration_id].candidate not in names:
                names.append(by_registration[registration_id].candidate)

    when = format_span(session.starts_at, session.ends_at)
    for professional_id, names in followers.items():
        professional = db.get(Professional, professional_id)
        candidates = "\n".join(f"- {name}" for name in names)
        queue_email(
            db,
            key=f"review-locked:{session.id}:{review.times_locked}:{professional_id}",
            to_address=professional.email,
            subject=f"Bilan disponible : {action.title} – {session.label}",
            body=(
                "Bonjour,\n\n"
                f"L'organisateur a saisi et verrouillé le bilan de la session « {session.label} » "
                f"({when}) de l'action « {action.title} ». Il concerne vos candidats :\n"
                f"{candidates}\n\n"
                f"Consultez le bilan : {review_link(session.id)}\n\n"
                "PLIE Connect – Actions"
            ),
        )


def reopen_review(db: DbSession, *, by: int, session_id: int, reason: str) -> ReviewVersion:
    """A pilot reopens a locked review, giving a reason; the locked version is kept."""
    session, action = load_session(db, session_id)
    require(db, professional_id=by, action_id=action.id, operation=Operation.REOPEN_REVIEW)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Indiquez le motif de la réouverture du bilan."})
    if len(reason) > MAX_COMMENT:
        raise InvalidInput({"reason": f"Le motif dépasse {MAX_COMMENT} caractères."})
    review = _review_for_update(db, session_id)
    if not review.is_locked:
        raise DomainError("Ce bilan n'est pas verrouillé : il peut déjà être modifié.")

    lines = list(live_lines(db, session_ids=[session_id]).values())
    version = ReviewVersion(
        session_id=session_id,
        number=review.times_locked,
        locked_at=review.locked_at,
        locked_by_id=review.locked_by_id,
        reopened_by_id=by,
        reopen_reason=reason,
        content=lines_to_json(lines),
    )
    db.add(version)
    review.locked_at, review.locked_by_id, review.updated_at = None, None, now()
    db.add(review)
    db.commit()
    log.info("review_reopened session=%s version=%s by=%s", session_id, version.number, by)
    return version


def record_follow_ups(
    db: DbSession, *, by: int, session_id: int, follow_ups: list[FollowUpInput]
) -> int:
    """Record the candidates' situations at 1, 3 and 6 months; returns the values changed."""
    session, action = load_session(db, session_id)
    require(db, professional_id=by, action_id=action.id, operation=Operation.RECORD_REVIEW)
    review = _review_for_update(db, session_id)

    given_ids = sorted({given.registration_id for given in follow_ups})
    present = {
        line.registration_id: line
        for line in live_lines(db, session_ids=[session_id], registration_ids=given_ids).values()
        if line.attendance == Attendance.PRESENT.label
    }
    existing = {
        (f.registration_id, f.months): f
        for f in db.exec(
            select(FollowUp).where(
                FollowUp.session_id == session_id, FollowUp.registration_id.in_(given_ids)
            )
        )
    }
    today, errors, changes = today_in_paris(), {}, []
    for given in follow_ups:
        key = f"follow-up-{given.registration_id}-{given.months}"
        line = present.get(given.registration_id)
        if line is None:
            errors[key] = "Le suivi ne concerne que les candidats présents à la session."
            continue
        record = existing.get((given.registration_id, given.months))
        kept = record.comment if record is not None else ""
        comment = kept if given.comment is None else given.comment
        comment = _clean_comment(comment, line.candidate, errors, key)
        if record is None and given.situation is None:
            continue
        if record is not None and (record.situation, record.comment) == (given.situation, comment):
            continue
        if given.months not in FOLLOW_UP_MONTHS:
            errors[key] = "Les suivis se font à 1, 3 et 6 mois."
        elif given.situation is not None and given.situation not in SITUATION_BY_CODE:
            errors[key] = f"{line.candidate} : cette situation n'est pas dans la liste du PLIE."
        elif (due := follow_up_due(session, given.months)) > today:
            errors[key] = (
                f"{line.candidate} : le suivi à {given.months} mois se saisit à partir du "
                f"{format_date(due)}."
            )
        elif review.is_locked and record is not None:
            raise ReviewLocked(
                f"Le bilan de la session « {session.label} » est verrouillé : le suivi à "
                f"{given.months} mois de {line.candidate} est saisi et ne change plus. "
                "Seul le pilote de l'action peut rouvrir le bilan."
            )
        else:
            changes.append((given, record, comment))
    if errors:
        raise InvalidInput(errors)

    history = _History(db, session_id=session_id, by=by)
    for given, record, comment in changes:
        history.note(
            given.registration_id,
            f"Suivi {given.months} mois",
            situation_label(record.situation) if record else "",
            situation_label(given.situation),
        )
        if given.situation is None:
            db.delete(record)
            continue
        record = record or FollowUp(
            registration_id=given.registration_id,
            session_id=session_id,
            months=given.months,
            situation=given.situation,
        )
        record.situation, record.comment = given.situation, comment
        record.recorded_at, record.recorded_by_id = now(), by
        db.add(record)
    review.updated_at = now()
    db.add(review)
    db.commit()
    log.info("follow_ups_recorded session=%s changes=%s by=%s", session_id, len(changes), by)
    return len(changes)
