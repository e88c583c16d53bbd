"""The read side of session reviews: their lines, as organisers and prescribers see them.

Prescribers read a review once it is locked ("published"). While a pilot has reopened it for a
correction, they keep reading the last locked version, as it was kept when it was reopened.
"""

import calendar
import json
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import func, or_
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
from plie.paging import Page, page_of
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


def _members(session_ids: list[int], registration_ids: list[int] | None):
    """The WHERE of the candidates a review covers (see session_members)."""
    reviewed = select(ReviewEntry.registration_id).where(ReviewEntry.session_id.in_(session_ids))
    conditions = [
        RegistrationSession.session_id.in_(session_ids),
        Registration.status.in_(list(PLACE_HOLDING_STATUSES)) | Registration.id.in_(reviewed),
    ]
    if registration_ids is not None:
        conditions.append(Registration.id.in_(registration_ids))
    return conditions


def session_members(
    db: DbSession,
    *,
    session_ids: list[int],
    registration_ids: list[int] | None = None,
    page: Page | None = None,
) -> list[tuple]:
    """(registration, candidate, prescriber, session id) of the candidates a review covers.

    Those whose registration holds a place in the session, and those already in its review;
    in the order of their names, only those of `registration_ids` or of one page if given.
    """
    if not session_ids or registration_ids == []:
        return []
    query = (
        select(Registration, Candidate, Professional, RegistrationSession.session_id)
        .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .outerjoin(Professional, Professional.id == Registration.prescriber_id)
        .where(*_members(session_ids, registration_ids))
        .order_by(Candidate.last_name_key, Candidate.first_name_key, Registration.id)
    )
    if page is not None:
        query = query.offset(page.offset).limit(page.size)
    return list(db.exec(query).all())


def count_members(db: DbSession, *, session_id: int) -> int:
    """How many candidates a session's review covers, counted by the database."""
    return db.exec(
        select(func.count(Registration.id))
        .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
        .where(*_members([session_id], None))
    ).one()


def live_lines(
    db: DbSession,
    *,
    session_ids: list[int],
    registration_ids: list[int] | None = None,
) -> dict[tuple[int, int], ReviewLine]:
    """The current lines of these sessions' reviews (or of these registrations only)."""
    lines, _ = _lines(db, session_ids=session_ids, registration_ids=registration_ids)
    return lines


def _lines(
    db: DbSession,
    *,
    session_ids: list[int],
    registration_ids: list[int] | None = None,
    page: Page | None = None,
) -> tuple[dict[tuple[int, int], ReviewLine], "_Stored"]:
    """The lines by (registration id, session id), and what is stored behind them."""
    members = session_members(
        db, session_ids=session_ids, registration_ids=registration_ids, page=page
    )
    lines = {
        (registration.id, session_id): ReviewLine(
            registration_id=registration.id,
            session_id=session_id,
            candidate=candidate.display_name,
            prescriber=prescriber.display_name if prescriber else "Candidat libre",
        )
        for registration, candidate, prescriber, session_id in members
    }
    if not lines:
        return lines, _Stored([], [], [])

    if page is not None:
        # A page reads what is stored for its own candidates only.
        registration_ids = [registration_id for registration_id, _ in lines]
    stored = _stored(db, session_ids, registration_ids)
    for entry in stored.entries:
        line = lines.get((entry.registration_id, entry.session_id))
        if line is None:
            continue
        line.attendance = entry.attendance.label if entry.attendance else ""
        line.comment = entry.comment
        if entry.outcome:
            line.outcomes.append(["", outcome_label(entry.outcome), ""])
    for outcome, employer in stored.outcomes:
        line = lines.get((outcome.registration_id, outcome.session_id))
        if line is not None and (outcome.outcome or outcome.comment):
            line.outcomes.append([employer, outcome_label(outcome.outcome), outcome.comment])
    for follow_up in stored.follow_ups:
        line = lines.get((follow_up.registration_id, follow_up.session_id))
        if line is not None:
            line.follow_ups[follow_up.months] = situation_label(follow_up.situation)
    return lines, stored


@dataclass
class _Stored:
    entries: list[ReviewEntry]
    outcomes: list[tuple[ReviewOutcome, str]]
    follow_ups: list[FollowUp]


def _stored(db: DbSession, session_ids: list[int], registration_ids: list[int] | None) -> _Stored:
    """What is recorded in these reviews, for every candidate or only these registrations."""

    def narrowed(model):
        where = [model.session_id.in_(session_ids)]
        if registration_ids is not None:
            where.append(model.registration_id.in_(registration_ids))
        return where

    return _Stored(
        entries=list(db.exec(select(ReviewEntry).where(*narrowed(ReviewEntry))).all()),
        outcomes=list(
            db.exec(
                select(ReviewOutcome, Employer.name)
                .join(Employer, Employer.id == ReviewOutcome.employer_id)
                .where(*narrowed(ReviewOutcome))
                .order_by(Employer.name, Employer.id)
            ).all()
        ),
        follow_ups=list(db.exec(select(FollowUp).where(*narrowed(FollowUp))).all()),
    )


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
    """A session's review as its organisers see it on the review page, its lines apart."""

    session: Session
    action_title: str
    when: str
    review: SessionReview | None
    locked_by: str
    employers: list[tuple[int, str]]
    # How many candidates the review covers: their lines come a page at a time (review_page).
    candidates: int
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

    def page(self, number: int, size: int | None = None) -> Page:
        """The page of candidates asked for, within the pages there are."""
        return page_of(self.candidates, number, size)


@dataclass
class ReviewPage:
    """One page of a review's candidates, in the order of their names."""

    page: Page
    lines: list[ReviewLine]
    # The stored codes behind the lines, by registration id: what the entry table starts from.
    entries: dict[int, ReviewEntry]
    outcomes: dict[tuple[int, int], ReviewOutcome]
    follow_ups: dict[tuple[int, int], FollowUp]


def _names(db: DbSession, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.exec(select(Professional).where(Professional.id.in_(ids))).all()
    return {professional.id: professional.display_name for professional in rows}


def _candidate_names(db: DbSession, registration_ids: set[int]) -> dict[int, str]:
    if not registration_ids:
        return {}
    rows = db.exec(
        select(Registration.id, Candidate)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .where(Registration.id.in_(registration_ids))
    ).all()
    return {registration_id: candidate.display_name for registration_id, candidate in rows}


def _organiser_session(db: DbSession, *, by: int, session_id: int) -> tuple[Session, object]:
    """The session and the professional's role on its action; refused to non-organisers."""
    session = db.get(Session, session_id)
    if session is None:
        raise NotFound("Cette session n'existe pas.")
    role = organiser_role(db, professional_id=by, action_id=session.action_id)
    if not may(role, Operation.RECORD_REVIEW):
        raise NotAllowed(REFUSALS[Operation.RECORD_REVIEW])
    return session, role


def review_sheet(db: DbSession, *, by: int, session_id: int) -> ReviewSheet:
    """Everything the organisers' review page shows but its lines; refused to non-organisers."""
    session, role = _organiser_session(db, by=by, session_id=session_id)

    review = db.exec(select(SessionReview).where(SessionReview.session_id == session_id)).first()
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
    first_reopening = versions[0].reopened_at if versions else None
    changes = [c for c in changes if first_reopening is not None and c.at >= first_reopening]
    candidates = _candidate_names(db, {change.registration_id for change in changes})
    return ReviewSheet(
        session=session,
        action_title=db.get(Action, session.action_id).title,
        when=format_span(session.starts_at, session.ends_at),
        review=review,
        locked_by=names.get(review.locked_by_id, "") if review else "",
        employers=[tuple(row) for row in employers],
        candidates=count_members(db, session_id=session_id),
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
        ],
        may_record=True,
        may_reopen=may(role, Operation.REOPEN_REVIEW),
        has_started=session.starts_at <= now(),
    )


def review_page(db: DbSession, *, by: int, session_id: int, page: Page) -> ReviewPage:
    """One page of the review's candidates (see ReviewSheet.page), read and nothing more.

    Its lines and what is stored behind them (attendance, outcomes, follow-ups) are those of
    the page's candidates only.
    """
    _organiser_session(db, by=by, session_id=session_id)
    lines, stored = _lines(db, session_ids=[session_id], page=page)
    return ReviewPage(
        page=page,
        lines=list(lines.values()),
        entries={entry.registration_id: entry for entry in stored.entries},
        outcomes={(o.registration_id, o.employer_id): o for o, _ in stored.outcomes},
        follow_ups={(f.registration_id, f.months): f for f in stored.follow_ups},
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
