"""The read side of session reviews: their lines, as organisers and prescribers see them.

Prescribers read a review once it is locked ("published"). While a pilot has reopened it for a
correction, they keep reading the last locked version, as it was kept when it was reopened.
"""

import calendar
import json
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import PARIS, format_date, format_datetime, format_span, now
from plie.enums import PLACE_HOLDING_STATUSES, Attendance
from plie.errors import DomainError, NotAllowed, NotFound
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    CoPrescriber,
    Employer,
    FollowUp,
    Professional,
    Registration,
    RegistrationSession,
    ReviewChange,
    ReviewEntry,
    ReviewOutcome,
    ReviewVersion,
    Session,
    SessionReview,
)
from plie.permissions import REFUSALS, Operation, is_prescriber_of, may, organiser_role
from plie.reference import FOLLOW_UP_MONTHS, OUTCOME_BY_CODE, SITUATION_BY_CODE


@dataclass
class ReviewLine:
    """One candidate's line in a session's review, in the words the screens show."""

    registration_id: int
    session_id: int
    candidate: str
    prescriber: str = ""
    attendance: str = ""
    # (employer, outcome, comment); the employer is "" for a session without employers.
    outcomes: list[list[str]] = field(default_factory=list)
    comment: str = ""
    follow_ups: dict[int, str] = field(default_factory=dict)

    @property
    def outcome_summary(self) -> str:
        """'Entreprise 1 : CDI · Entreprise 2 : 1er entretien', as "Suite donnée" shows it."""
        return " · ".join(
            f"{employer} : {outcome}" if employer else outcome
            for employer, outcome, _ in self.outcomes
            if outcome
        )

    @classmethod
    def from_json(cls, data: dict) -> "ReviewLine":
        follow_ups = {int(months): label for months, label in data.pop("follow_ups", {}).items()}
        return cls(**data, follow_ups=follow_ups)


def outcome_label(code: str | None) -> str:
    choice = OUTCOME_BY_CODE.get(code or "")
    return choice.label if choice else (code or "")


def situation_label(code: str | None) -> str:
    situation = SITUATION_BY_CODE.get(code or "")
    return situation.label if situation else (code or "")


def follow_up_due(session: Session, months: int) -> date:
    """The day a follow-up is due: that many months after the session's last day, in Paris."""
    end = session.ends_at.astimezone(PARIS).date()
    month_index = end.month - 1 + months
    year, month = end.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(end.day, calendar.monthrange(year, month)[1]))


def session_members(db: DbSession, *, session_ids: list[int]) -> list[tuple]:
    """(registration, candidate, prescriber, session id) of the candidates a review covers.

    Those whose registration holds a place in the session, and those already in its review.
    """
    if not session_ids:
        return []
    reviewed = select(ReviewEntry.registration_id).where(ReviewEntry.session_id.in_(session_ids))
    rows = db.exec(
        select(Registration, Candidate, Professional, RegistrationSession.session_id)
        .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .outerjoin(Professional, Professional.id == Registration.prescriber_id)
        .where(
            RegistrationSession.session_id.in_(session_ids),
            Registration.status.in_(list(PLACE_HOLDING_STATUSES)) | Registration.id.in_(reviewed),
        )
        .order_by(Candidate.last_name_key, Candidate.first_name_key, Registration.id)
    ).all()
    return list(rows)


def live_lines(db: DbSession, *, session_ids: list[int]) -> dict[tuple[int, int], ReviewLine]:
    """The current lines of these sessions' reviews, by (registration id, session id)."""
    lines = {
        (registration.id, session_id): ReviewLine(
            registration_id=registration.id,
            session_id=session_id,
            candidate=candidate.display_name,
            prescriber=prescriber.display_name if prescriber else "Candidat libre",
        )
        for registration, candidate, prescriber, session_id in session_members(
            db, session_ids=session_ids
        )
    }
    if not lines:
        return lines

    for entry in db.exec(select(ReviewEntry).where(ReviewEntry.session_id.in_(session_ids))):
        line = lines.get((entry.registration_id, entry.session_id))
        if line is None:
            continue
        line.attendance = entry.attendance.label if entry.attendance else ""
        line.comment = entry.comment
        if entry.outcome:
            line.outcomes.append(["", outcome_label(entry.outcome), ""])
    outcomes = db.exec(
        select(ReviewOutcome, Employer.name)
        .join(Employer, Employer.id == ReviewOutcome.employer_id)
        .where(ReviewOutcome.session_id.in_(session_ids))
        .order_by(Employer.name, Employer.id)
    ).all()
    for outcome, employer in outcomes:
        line = lines.get((outcome.registration_id, outcome.session_id))
        if line is not None and (outcome.outcome or outcome.comment):
            line.outcomes.append([employer, outcome_label(outcome.outcome), outcome.comment])
    for follow_up in db.exec(select(FollowUp).where(FollowUp.session_id.in_(session_ids))):
        line = lines.get((follow_up.registration_id, follow_up.session_id))
        if line is not None:
            line.follow_ups[follow_up.months] = situation_label(follow_up.situation)
    return lines


def lines_to_json(lines: list[ReviewLine]) -> str:
    return json.dumps([asdict(line) for line in lines], ensure_ascii=False)


def published_lines(
    db: DbSession, *, keys: list[tuple[int, int]]
) -> dict[tuple[int, int], ReviewLine]:
    """The lines prescribers may read for these (registration id, session id) pairs.

    A locked review shows as it is; a reopened one as its last locked version; a review never
    locked shows nothing.
    """
    session_ids = sorted({session_id for _, session_id in keys})
    if not session_ids:
        return {}
    reviews = db.exec(select(SessionReview).where(SessionReview.session_id.in_(session_ids))).all()
    locked = [review.session_id for review in reviews if review.is_locked]
    reopened = [r.session_id for r in reviews if not r.is_locked and r.times_locked > 0]

    found = live_lines(db, session_ids=locked)
    if reopened:
        versions = db.exec(
            select(ReviewVersion)
            .where(ReviewVersion.session_id.in_(reopened))
            .order_by(ReviewVersion.number)
        ).all()
        latest = {version.session_id: version for version in versions}
        for version in latest.values():
            for data in json.loads(version.content):
                line = ReviewLine.from_json(data)
                found[(line.registration_id, line.session_id)] = line
    wanted = set(keys)
    return {key: line for key, line in found.items() if key in wanted}


def due_follow_ups(
    db: DbSession, *, session_ids: list[int], today: date
) -> list[tuple[Session, ReviewLine, int, date]]:
    """(session, line, months, due day) of the follow-ups due by `today` and not recorded.

    Follow-ups concern the candidates present at the session.
    """
    sessions = {
        session.id: session
        for session in db.exec(select(Session).where(Session.id.in_(session_ids)))
    }
    due = []
    for (_, session_id), line in live_lines(db, session_ids=list(sessions)).items():
        if line.attendance != Attendance.PRESENT.label:
            continue
        for months in FOLLOW_UP_MONTHS:
            day = follow_up_due(sessions[session_id], months)
            if day <= today and months not in line.follow_ups:
                due.append((sessions[session_id], line, months, day))
    return sorted(due, key=lambda item: (item[3], item[1].candidate))


@dataclass
class ReviewSheet:
    """A session's review as its organisers see it on the review page."""

    session: Session
    action_title: str
    when: str
    review: SessionReview | None
    locked_by: str
    employers: list[tuple[int, str]]
    lines: list[ReviewLine]
    # The stored codes behind the lines, by registration id: what the entry table starts from.
    entries: dict[int, ReviewEntry]
    outcomes: dict[tuple[int, int], ReviewOutcome]
    follow_ups: dict[tuple[int, int], FollowUp]
    due: dict[int, date]
    versions: list[dict]
    changes_after_reopening: list[dict]
    may_record: bool
    may_reopen: bool
    has_started: bool

    @property
    def is_locked(self) -> bool:
        return self.review is not None and self.review.is_locked

    @property
    def revision(self) -> str:
        """Changes whenever the review is saved: the entry table starts afresh then."""
        stamp = self.review.updated_at.timestamp() if self.review else 0
        return f"{self.session.id}-{stamp:.6f}-{self.is_locked}"


def _names(db: DbSession, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.exec(select(Professional).where(Professional.id.in_(ids))).all()
    return {professional.id: professional.display_name for professional in rows}


def review_sheet(db: DbSession, *, by: int, session_id: int) -> ReviewSheet:
    """Everything the organisers' review page shows; refused to non-organisers."""
    session = db.get(Session, session_id)
    if session is None:
        raise NotFound("Cette session n'existe pas.")
    role = organiser_role(db, professional_id=by, action_id=session.action_id)
    if not may(role, Operation.RECORD_REVIEW):
        raise NotAllowed(REFUSALS[Operation.RECORD_REVIEW])

    review = db.exec(select(SessionReview).where(SessionReview.session_id == session_id)).first()
    lines = list(live_lines(db, session_ids=[session_id]).values())
    entries = db.exec(select(ReviewEntry).where(ReviewEntry.session_id == session_id)).all()
    outcomes = db.exec(select(ReviewOutcome).where(ReviewOutcome.session_id == session_id)).all()
    follow_ups = db.exec(select(FollowUp).where(FollowUp.session_id == session_id)).all()
    employers = db.exec(
        select(Employer.id, Employer.name)
        .where(Employer.session_id == session_id)
        .order_by(Employer.name, Employer.id)
    ).all()
    versions = db.exec(
        select(ReviewVersion)
        .where(ReviewVersion.session_id == session_id)
        .order_by(ReviewVersion.number)
    ).all()
    changes = db.exec(
        select(ReviewChange)
        .where(ReviewChange.session_id == session_id)
        .order_by(ReviewChange.at, ReviewChange.id)
    ).all()
    names = _names(
        db,
        {review.locked_by_id if review else None}
        | {v.locked_by_id for v in versions}
        | {v.reopened_by_id for v in versions}
        | {c.by_id for c in changes},
    )
    candidates = {line.registration_id: line.candidate for line in lines}
    first_reopening = versions[0].reopened_at if versions else None
    return ReviewSheet(
        session=session,
        action_title=db.get(Action, session.action_id).title,
        when=format_span(session.starts_at, session.ends_at),
        review=review,
        locked_by=names.get(review.locked_by_id, "") if review else "",
        employers=[tuple(row) for row in employers],
        lines=lines,
        entries={entry.registration_id: entry for entry in entries},
        outcomes={(o.registration_id, o.employer_id): o for o in outcomes},
        follow_ups={(f.registration_id, f.months): f for f in follow_ups},
        due={months: follow_up_due(session, months) for months in FOLLOW_UP_MONTHS},
        versions=[
            {
                "number": version.number,
                "Version verrouillée": f"n° {version.number}",
                "Verrouillée le": format_datetime(version.locked_at),
                "Par": names.get(version.locked_by_id, ""),
                "Rouverte le": format_datetime(version.reopened_at),
                "Rouverte par": names.get(version.reopened_by_id, ""),
                "Motif": version.reopen_reason,
                "lines": [ReviewLine.from_json(data) for data in json.loads(version.content)],
            }
            for version in versions
        ],
        changes_after_reopening=[
            {
                "Date": format_datetime(change.at),
                "Par": names.get(change.by_id, ""),
                "Candidat": candidates.get(change.registration_id, ""),
                "Champ": change.what,
                "Avant": change.before,
                "Après": change.after,
            }
            for change in changes
            if first_reopening is not None and change.at >= first_reopening
        ],
        may_record=True,
        may_reopen=may(role, Operation.REOPEN_REVIEW),
        has_started=session.starts_at <= now(),
    )


def _follows(db: DbSession, professional_id: int) -> set[int]:
    co = select(CoPrescriber.registration_id).where(CoPrescriber.professional_id == professional_id)
    return set(
        db.exec(
            select(Registration.id).where(
                or_(Registration.prescriber_id == professional_id, Registration.id.in_(co))
            )
        ).all()
    )


@dataclass
class PublishedReview:
    """A review as a prescriber reads it: only the lines of their own candidates."""

    session: Session
    action_title: str
    when: str
    lines: list[ReviewLine]
    reopened_reason: str  # set while a pilot has reopened it: the lines are the locked version


def prescriber_review(db: DbSession, *, by: int, session_id: int) -> PublishedReview:
    """'Consulter le bilan' for a prescriber: their candidates' lines of a locked review."""
    session = db.get(Session, session_id)
    if session is None:
        raise NotFound("Cette session n'existe pas.")
    mine = _follows(db, by)
    keys = [
        (registration_id, session_id)
        for registration_id in db.exec(
            select(RegistrationSession.registration_id).where(
                RegistrationSession.session_id == session_id
            )
        ).all()
        if registration_id in mine
    ]
    if not keys:
        raise NotAllowed("Ce bilan ne concerne aucun de vos candidats.")
    lines = published_lines(db, keys=keys)
    if not lines:
        raise DomainError(
            "Le bilan de cette session n'est pas encore verrouillé par l'organisateur."
        )

    review = db.exec(select(SessionReview).where(SessionReview.session_id == session_id)).one()
    reason = ""
    if not review.is_locked:
        latest = db.exec(
            select(ReviewVersion)
            .where(ReviewVersion.session_id == session_id)
            .order_by(ReviewVersion.number.desc())
        ).first()
        reason = latest.reopen_reason
    return PublishedReview(
        session=session,
        action_title=db.get(Action, session.action_id).title,
        when=format_span(session.starts_at, session.ends_at),
        lines=sorted(lines.values(), key=lambda line: line.candidate),
        reopened_reason=reason,
    )


def registration_review(db: DbSession, *, by: int, registration_id: int) -> list[ReviewLine]:
    """The published review lines of one registration, for its prescribers and organisers."""
    registration = db.get(Registration, registration_id)
    if registration is None:
        raise NotFound("Cette inscription n'existe pas ou a été supprimée.")
    role = organiser_role(db, professional_id=by, action_id=registration.action_id)
    if not (
        is_prescriber_of(db, professional_id=by, registration=registration)
        or may(role, Operation.VIEW_REGISTRATIONS)
    ):
        raise NotAllowed("Cette inscription ne vous est pas accessible.")
    session_ids = db.exec(
        select(RegistrationSession.session_id).where(
            RegistrationSession.registration_id == registration_id
        )
    ).all()
    lines = published_lines(db, keys=[(registration_id, s) for s in session_ids])
    return [lines[key] for key in sorted(lines, key=lambda key: key[1])]


def follow_ups_to_record(db: DbSession, *, by: int, today: date) -> list[dict]:
    """'Suivis à saisir': the follow-ups due in the sessions of the actions one organises."""
    session_ids = db.exec(
        select(Session.id)
        .join(ActionMember, ActionMember.action_id == Session.action_id)
        .join(SessionReview, SessionReview.session_id == Session.id)
        .where(ActionMember.professional_id == by)
    ).all()
    titles = dict(
        db.exec(
            select(Session.id, Action.title)
            .join(Action, Action.id == Session.action_id)
            .where(Session.id.in_(session_ids))
        ).all()
    )
    return [
        {
            "session_id": session.id,
            "Action": titles[session.id],
            "Session": session.label,
            "Candidat": line.candidate,
            "Suivi": f"Suivi à {months} mois",
            "À saisir depuis le": format_date(day),
        }
        for session, line, months, day in due_follow_ups(
            db, session_ids=list(session_ids), today=today
        )
    ]
