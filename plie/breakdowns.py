"""Where the statistics read the eligibility answers, the attendance and the outcomes.

Each function answers for a batch of registrations and returns either a list of rows, or None
when this version of the module does not record that information at all. None is not an empty
list: the workbook then says plainly, in "Méthode" and "Qualité des données", that the
breakdown cannot be given, instead of showing zeros that would read as "nobody".

The eligibility answers (one per registration, scheme and criterion) and the session reviews
(attendance per session, outcomes per employer, follow-ups) are recorded by other parts of the
module; once they are, each function below returns their rows and the figures appear.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session as DbSession


@dataclass(frozen=True)
class EligibilityRow:
    """One criterion ticked for one registration, in the questionnaire of one scheme."""

    registration_id: int
    scheme: str  # the scheme's French label, e.g. "FSE"
    criterion: str  # the criterion's French label, e.g. "Bénéficiaire du RSA"


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
    """The eligibility criteria ticked for these registrations; None: not recorded yet."""
    return None


def attendance_rows(db: DbSession, registration_ids: Sequence[int]) -> list[AttendanceRow] | None:
    """The attendance per session of these registrations; None: not recorded yet."""
    return None


def outcome_rows(db: DbSession, registration_ids: Sequence[int]) -> list[OutcomeRow] | None:
    """The outcomes per employer of these registrations; None: not recorded yet."""
    return None
