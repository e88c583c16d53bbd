"""People entered twice: found for the coordinator, merged on their decision, and recorded.

Two records are likely the same person when they share a birth date and their names differ
only by a spelling slip (accents and case are already ignored by the search keys). Twins share
a birth date and a last name too: their first names must differ by more than a slip, or their
genders differ, and they are then neither proposed nor merged.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.candidates import DETAIL_FIELDS
from plie.dates import format_date
from plie.errors import DomainError, NotFound
from plie.models import Candidate, CandidateMerge, Professional, Registration
from plie.permissions import require_coordinator
from plie.text import counted

log = logging.getLogger(__name__)

# The kept record takes from the merged one each detail it has none of: the fields beyond the
# names and birth date.
COMPLETED_FIELDS = DETAIL_FIELDS

NOT_THE_SAME_PERSON = (
    "Ces deux fiches n'ont pas la même date de naissance ou leurs noms diffèrent trop : ce ne "
    "sont pas les mêmes personnes (des jumeaux, par exemple). Elles ne sont pas fusionnées."
)


def edit_distance(a: str, b: str) -> int:
    """Letters to add, remove, change or swap to go from one word to the other."""
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        previous_previous, previous = previous, current
    return previous[len(b)]


def _similar_last_names(a: str, b: str) -> bool:
    if a == b:
        return True
    shorter = min(len(a), len(b))
    # A compound name given in part ("Dupont" for "Dupont-Martin").
    if shorter >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    return shorter >= 4 and edit_distance(a, b) <= (2 if shorter >= 8 else 1)


def _similar_first_names(a: str, b: str) -> bool:
    # Short first names one letter apart (Léa, Léo) are too often twins to be called slips.
    return a == b or (min(len(a), len(b)) >= 5 and edit_distance(a, b) <= 1)


def are_likely_duplicates(a: Candidate, b: Candidate) -> bool:
    if a.id == b.id or a.birth_date != b.birth_date:
        return False
    if a.gender and b.gender and a.gender != b.gender:
        return False
    return _similar_last_names(a.last_name_key, b.last_name_key) and _similar_first_names(
        a.first_name_key, b.first_name_key
    )


@dataclass
class DuplicatePair:
    first: Candidate
    second: Candidate
    first_registrations: int
    second_registrations: int

    def describe(self, candidate: Candidate, registrations: int) -> str:
        participant = ", participant PLIE" if candidate.is_plie_participant else ""
        return (
            f"{candidate.display_name}, né·e le {format_date(candidate.birth_date)}"
            f"{participant}, {counted(registrations, 'inscription')}"
        )


def find_duplicates(db: DbSession, *, by: int) -> list[DuplicatePair]:
    """The pairs of records that are likely one person, for the coordinator to look at."""
    require_coordinator(db.get(Professional, by))
    shared = (
        select(Candidate.birth_date)
        .group_by(Candidate.birth_date)
        .having(func.count(Candidate.id) > 1)
        .subquery()
    )
    people = db.exec(
        select(Candidate)
        .where(Candidate.birth_date.in_(select(shared.c.birth_date)))
        .order_by(Candidate.birth_date, Candidate.id)
    ).all()
    by_day: dict = {}
    for candidate in people:
        by_day.setdefault(candidate.birth_date, []).append(candidate)

    pairs = [
        (a, b)
        for group in by_day.values()
        for index, a in enumerate(group)
        for b in group[index + 1 :]
        if are_likely_duplicates(a, b)
    ]
    counts = _registration_counts(db, [c.id for pair in pairs for c in pair])
    return [DuplicatePair(a, b, counts.get(a.id, 0), counts.get(b.id, 0)) for a, b in pairs]


def _registration_counts(db: DbSession, candidate_ids: list[int]) -> dict[int, int]:
    if not candidate_ids:
        return {}
    rows = db.exec(
        select(Registration.candidate_id, func.count(Registration.id))
        .where(Registration.candidate_id.in_(candidate_ids))
        .group_by(Registration.candidate_id)
    ).all()
    return dict(rows)


def merge_candidates(db: DbSession, *, by: int, kept_id: int, merged_id: int) -> CandidateMerge:
    """Keep one record: it takes every registration of the other and what it lacked."""
    require_coordinator(db.get(Professional, by))
    kept, merged = db.get(Candidate, kept_id), db.get(Candidate, merged_id)
    if kept is None or merged is None:
        raise NotFound(
            "Une des deux fiches n'existe plus : elles ont peut-être déjà été fusionnées."
        )
    if not are_likely_duplicates(kept, merged):
        raise DomainError(NOT_THE_SAME_PERSON)

    moved = db.execute(
        update(Registration)
        .where(Registration.candidate_id == merged_id)
        .values(candidate_id=kept_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    for name in COMPLETED_FIELDS:
        if getattr(kept, name) is None and getattr(merged, name) is not None:
            setattr(kept, name, getattr(merged, name))
    kept.is_plie_participant = kept.is_plie_participant or merged.is_plie_participant
    db.add(kept)
    db.flush()
    db.delete(merged)
    record = CandidateMerge(
        kept_candidate_id=kept_id,
        merged_candidate_id=merged_id,
        registrations_moved=moved,
        by_id=by,
    )
    db.add(record)
    db.commit()
    log.info(
        "candidates_merged kept=%s merged=%s registrations=%s by=%s",
        kept_id,
        merged_id,
        moved,
        by,
    )
    return record
