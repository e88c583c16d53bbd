"""Where the statistics read the eligibility answers, the attendance and the outcomes.

Each function answers for a batch of registrations and returns either a list of rows, or None
when this version of the module does not record that information at all. None is not an empty
list: the workbook then says plainly, in "Méthode" and "Qualité des données", that the
breakdown cannot be given, instead of showing zeros that would read as "nobody".

The attendance and the outcomes come from the session reviews ("bilans") once locked; the
eligibility answers (one per registration, scheme and criterion) from the registration form.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import eligibility
from plie.enums import Attendance
from plie.models import (
    Action,
    EligibilityAnswer,
    Employer,
    Registration,
    ReviewEntry,
    ReviewOutcome,
    SessionReview,
)
from plie.reference import OUTCOME_BY_CODE

# Ids per IN (...) list: well under SQLite's and PostgreSQL's limits on bound parameters.
IN_BATCH = 900
# The "employer" of the outcome of a session that has none (a workshop, a training).
SESSION_OUTCOME = "Session"


@dataclass(frozen=True)
class EligibilityRow:
    """One criterion ticked for one registration, in the questionnaire of one scheme."""

    registration_id: int
    scheme: str  # the scheme's French label, e.g. "FSE"
    criterion: str  # the criterion's French label, e.g. "Bénéficiaire du RSA"
    # Sensitive personal data (RSA, RQTH...): counted in the figures, never listed per person.
    sensitive: bool = False
    # The answer declares the person a PLIE participant ("Participant du PLIE : Oui", "PLIE").
    declares_plie: bool = False


@dataclass(frozen=True)
class AttendanceRow:
    """Whether the candidate came to one session: "Présent", "Absent" or "Excusé"."""

    registration_id: int
    session_id: int
    attendance: str


@dataclass(frozen=True)
class OutcomeRow:
    """What came of one registration with one employer ("Suite donnée")."""

    registration_id: int
    employer: str
    outcome: str


def eligibility_rows(db: DbSession, registration_ids: Sequence[int]) -> list[EligibilityRow] | None:
    """The eligibility criteria ticked, and the yes/no answers, of these registrations."""
    rows = []
    for batch in _in_batches(registration_ids):
        query = (
            select(
                EligibilityAnswer.registration_id,
                Action.eligibility_scheme,
                EligibilityAnswer.field,
                EligibilityAnswer.value,
            )
            .join(Registration, Registration.id == EligibilityAnswer.registration_id)
            .join(Action, Action.id == Registration.action_id)
            .where(EligibilityAnswer.registration_id.in_(batch))
            .order_by(EligibilityAnswer.registration_id, EligibilityAnswer.id)
        )
        for registration_id, scheme, field_code, value in db.exec(query):
            shown = _criterion(scheme, field_code, value)
            if shown is not None:
                rows.append(EligibilityRow(registration_id, scheme.label, *shown))
    return rows


def _criterion(scheme, field_code: str, value: str) -> tuple[str, bool, bool] | None:
    """The label an answer is counted under, whether it is sensitive and whether it declares
    a PLIE participant; None: not counted."""
    form = eligibility.form_for(scheme)
    found = [f for f in form.fields if f.code == field_code]
    if not found:
        return None
    form_field = found[0]
    plie = eligibility.declares_plie_participant(form_field, value)
    if form_field.kind is eligibility.FieldKind.CRITERIA:
        choice = next((c for c in form_field.choices if c.code == value), None)
        return (choice.label, choice.sensitive, plie) if choice else None
    if form_field.kind is eligibility.FieldKind.YES_NO:
        answer = {eligibility.YES: "Oui", eligibility.NO: "Non"}.get(value)
        return (f"{form_field.label} : {answer}", False, plie) if answer else None
    return None


def _in_batches(registration_ids: Sequence[int]) -> Iterator[list[int]]:
    ids = list(registration_ids)
    for start in range(0, len(ids), IN_BATCH):
        yield ids[start : start + IN_BATCH]


def attendance_rows(db: DbSession, registration_ids: Sequence[int]) -> list[AttendanceRow] | None:
    """The attendance per session of these registrations, from locked session reviews only.

    A review counts once the organisers have locked it: before that it may still change.
    """
    rows = []
    for batch in _in_batches(registration_ids):
        query = (
            select(ReviewEntry.registration_id, ReviewEntry.session_id, ReviewEntry.attendance)
            .join(SessionReview, SessionReview.session_id == ReviewEntry.session_id)
            .where(
                ReviewEntry.registration_id.in_(batch),
                SessionReview.locked_at.is_not(None),
                ReviewEntry.attendance.is_not(None),
            )
            .order_by(ReviewEntry.registration_id, ReviewEntry.session_id)
        )
        rows += [
            AttendanceRow(registration_id, session_id, Attendance(attendance).label)
            for registration_id, session_id, attendance in db.exec(query)
        ]
    return rows


def outcome_rows(db: DbSession, registration_ids: Sequence[int]) -> list[OutcomeRow] | None:
    """The outcomes of these registrations, from locked reviews: one per employer met in a
    recruitment session, or the session's own outcome ("Session" as employer) otherwise."""
    rows = []
    for batch in _in_batches(registration_ids):
        per_employer = (
            select(ReviewOutcome.registration_id, Employer.name, ReviewOutcome.outcome)
            .join(Employer, Employer.id == ReviewOutcome.employer_id)
            .join(SessionReview, SessionReview.session_id == ReviewOutcome.session_id)
            .where(
                ReviewOutcome.registration_id.in_(batch),
                SessionReview.locked_at.is_not(None),
                ReviewOutcome.outcome.is_not(None),
            )
            .order_by(ReviewOutcome.registration_id, Employer.name)
        )
        per_session = (
            select(ReviewEntry.registration_id, ReviewEntry.outcome)
            .join(SessionReview, SessionReview.session_id == ReviewEntry.session_id)
            .where(
                ReviewEntry.registration_id.in_(batch),
                SessionReview.locked_at.is_not(None),
                ReviewEntry.outcome.is_not(None),
            )
            .order_by(ReviewEntry.registration_id)
        )
        rows += [
            OutcomeRow(registration_id, employer, _outcome_label(code))
            for registration_id, employer, code in db.exec(per_employer)
        ]
        rows += [
            OutcomeRow(registration_id, SESSION_OUTCOME, _outcome_label(code))
            for registration_id, code in db.exec(per_session)
        ]
    return rows


def _outcome_label(code: str) -> str:
    choice = OUTCOME_BY_CODE.get(code)
    return choice.label if choice else code
