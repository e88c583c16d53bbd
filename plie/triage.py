"""Triage: the organisers' table of registrations, its filters, and the decisions taken on it.

The table reads one action's registrations, or those of every action the professional
organises. The database filters, sorts, counts and pages them: a page of the table reads the
rows it shows and nothing more, in a fixed number of queries whatever the number of rows; the
Excel export streams every filtered row a batch at a time. Decisions go through
plie.registrations.change_status, which keeps the places, the history and the emails.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import format_date, format_datetime, paris_instant
from plie.enums import REFUSALS, EligibilityScheme, RegistrationStatus
from plie.errors import DomainError, InvalidInput
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    Structure,
)
from plie.paging import Page
from plie.permissions import ORGANISER_PERMISSIONS, Operation, require
from plie.registrations import BulkResult, change_status
from plie.text import counted, search_key

S = RegistrationStatus

# The reasons an organiser picks from when refusing; kept with the refusal in the history and
# told to the prescribers. "Autre" asks for a comment.
REFUSAL_REASONS: dict[S, tuple[str, ...]] = {
    S.REFUSED_BY_COMMISSION: (
        "Prérequis de l'action non remplis",
        "Critères d'éligibilité non remplis",
        "Justificatifs manquants",
        "Projet professionnel non adapté à l'action",
        "Action complète",
        "Candidat injoignable",
        "Autre",
    ),
    S.REFUSED_BY_CANDIDATE: (
        "A trouvé un emploi ou une formation",
        "Ne souhaite plus participer",
        "Indisponible aux dates de l'action",
        "Difficultés de mobilité",
        "Raisons de santé ou personnelles",
        "Autre",
    ),
}
OTHER_REASON = "Autre"
# Rows the export reads from the database at a time.
BATCH_SIZE = 1000
JOINS = frozenset({"candidate", "action", "professional", "structure"})

ELIGIBILITY_STATUSES = frozenset({S.ELIGIBILITY_VALIDATED, S.ELIGIBILITY_NOT_VALIDATED})
# The states the "Nouvel état" list offers; eligibility has its own decision.
TRIAGE_STATUSES = [s for s in S if s is not S.DRAFT and s not in ELIGIBILITY_STATUSES]

SORTS = {
    "Date d'envoi": Registration.submitted_at,
    "Candidat": Candidate.last_name_key,
    "Etat": Registration.status,
    "Structure": Structure.name,
    "Action": Action.title,
}

COLUMNS = [
    "Action",
    "Candidat",
    "Né(e) le",
    "Prescripteur",
    "Structure",
    "Sessions",
    "Etat",
    "Envoyée le",
]


@dataclass
class TriageFilter:
    """What the organiser asked to see; action_id None means every action they organise."""

    action_id: int | None = None
    statuses: list[S] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    structure_ids: list[int] = field(default_factory=list)
    sent_from: date | None = None
    sent_to: date | None = None
    search: str = ""
    sort: str = "Date d'envoi"
    descending: bool = False


def _roles_allowing(operation: Operation) -> list:
    return [role for role, allowed in ORGANISER_PERMISSIONS.items() if operation in allowed]


def actions_in_scope(
    db: DbSession,
    *,
    by: int,
    action_id: int | None,
    operation: Operation = Operation.VIEW_REGISTRATIONS,
) -> list[int]:
    """One action if the professional may do the operation on it, else all those they may."""
    if action_id is not None:
        require(db, professional_id=by, action_id=action_id, operation=operation)
        return [action_id]
    return list(
        db.exec(
            select(ActionMember.action_id).where(
                ActionMember.professional_id == by,
                ActionMember.role.in_(_roles_allowing(operation)),
            )
        ).all()
    )


def _filtered(query, filters: TriageFilter):
    if filters.statuses:
        query = query.where(Registration.status.in_(list(filters.statuses)))
    if filters.session_ids:
        covered = select(RegistrationSession.registration_id).where(
            RegistrationSession.session_id.in_(list(filters.session_ids))
        )
        query = query.where(Registration.id.in_(covered))
    if filters.structure_ids:
        query = query.where(Professional.structure_id.in_(list(filters.structure_ids)))
    if filters.sent_from:
        query = query.where(Registration.submitted_at >= paris_instant(filters.sent_from))
    if filters.sent_to:
        end = paris_instant(filters.sent_to + timedelta(days=1))
        query = query.where(Registration.submitted_at < end)
    needle = search_key(filters.search)
    if needle:
        full = Candidate.last_name_key + Candidate.first_name_key
        reverse = Candidate.first_name_key + Candidate.last_name_key
        query = query.where(
            or_(full.contains(needle, autoescape=True), reverse.contains(needle, autoescape=True))
        )
    return query


def _selection(columns, action_ids: list[int], filters: TriageFilter, *, joins=JOINS):
    """The sent registrations of these actions that pass the filters, with these joins."""
    query = select(*columns).select_from(Registration)
    if "candidate" in joins:
        query = query.join(Candidate, Candidate.id == Registration.candidate_id)
    if "action" in joins:
        query = query.join(Action, Action.id == Registration.action_id)
    if "professional" in joins:
        query = query.outerjoin(Professional, Professional.id == Registration.prescriber_id)
    if "structure" in joins:
        query = query.outerjoin(Structure, Structure.id == Professional.structure_id)
    query = query.where(Registration.action_id.in_(action_ids), Registration.status != S.DRAFT)
    return _filtered(query, filters)


def _joins_needed(filters: TriageFilter, *, sorted_: bool) -> set[str]:
    """The joins that the filters (and the sort) need: counting and paging skip the others.

    Each join costs a lookup per registration of the action before LIMIT can apply, which at
    10,000 registrations doubles the time of the count and of the page.
    """
    needed = set()
    if filters.search or (sorted_ and filters.sort == "Candidat"):
        needed.add("candidate")
    if filters.structure_ids or (sorted_ and filters.sort == "Structure"):
        needed.add("professional")
    if sorted_ and filters.sort == "Structure":
        needed.add("structure")
    if sorted_ and filters.sort == "Action":
        needed.add("action")
    return needed


def _ordered(query, filters: TriageFilter):
    order = SORTS.get(filters.sort, Registration.submitted_at)
    # The id breaks ties, so that a row never shows on two pages nor on none.
    return query.order_by(order.desc() if filters.descending else order, Registration.id)


# Columns rather than whole objects: loading 5,000 ORM objects costs ten times the query.
ROW_COLUMNS = (
    Registration.id,
    Registration.action_id,
    Registration.status,
    Registration.submitted_at,
    Action.title,
    Candidate.last_name,
    Candidate.first_name,
    Candidate.birth_date,
    Professional.last_name,
    Professional.first_name,
    Structure.name,
)


def triage_count(
    db: DbSession,
    *,
    by: int,
    filters: TriageFilter,
    operation: Operation = Operation.VIEW_REGISTRATIONS,
) -> int:
    """How many registrations the filters keep, counted by the database in one query."""
    action_ids = actions_in_scope(db, by=by, action_id=filters.action_id, operation=operation)
    if not action_ids:
        return 0
    joins = _joins_needed(filters, sorted_=False)
    return db.exec(
        _selection([func.count(Registration.id)], action_ids, filters, joins=joins)
    ).one()


def triage_rows(
    db: DbSession,
    *,
    by: int,
    filters: TriageFilter,
    operation: Operation = Operation.VIEW_REGISTRATIONS,
    page: Page | None = None,
) -> list[dict]:
    """The registrations sent to the actions in scope, filtered and sorted as asked.

    With a page, the database returns that page's rows only; without, every row.
    """
    if page is None:
        return list(iter_triage_rows(db, by=by, filters=filters, operation=operation))
    action_ids = actions_in_scope(db, by=by, action_id=filters.action_id, operation=operation)
    if not action_ids:
        return []

    # The page's ids first, sorted with only the joins the sort and filters need; then their
    # columns, read by primary key.
    joins = _joins_needed(filters, sorted_=True)
    ids = _ordered(_selection([Registration.id], action_ids, filters, joins=joins), filters)
    page_ids = list(db.exec(ids.offset(page.offset).limit(page.size)).all())
    if not page_ids:
        return []
    found = db.exec(
        select(*ROW_COLUMNS)
        .select_from(Registration)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .join(Action, Action.id == Registration.action_id)
        .outerjoin(Professional, Professional.id == Registration.prescriber_id)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(Registration.id.in_(page_ids))
    ).all()
    by_id = {values[0]: values for values in found}
    labels = _session_labels(db, page_ids)
    return [_row(by_id[registration_id], labels) for registration_id in page_ids]


def iter_triage_rows(
    db: DbSession,
    *,
    by: int,
    filters: TriageFilter,
    operation: Operation = Operation.VIEW_REGISTRATIONS,
    formatted: bool = True,
) -> Iterator[dict]:
    """Every row of the filtered table, streamed from the database a batch at a time.

    formatted=False keeps the birth date and the sending instant as date and datetime, for
    a spreadsheet that sorts and filters them as dates; otherwise they are French text.
    """
    action_ids = actions_in_scope(db, by=by, action_id=filters.action_id, operation=operation)
    if not action_ids:
        return

    query = _ordered(_selection(ROW_COLUMNS, action_ids, filters), filters)
    result = db.exec(query.execution_options(yield_per=BATCH_SIZE))
    for batch in result.partitions():
        labels = _session_labels(db, [row[0] for row in batch])
        for values in batch:
            yield _row(values, labels, formatted=formatted)


def triage_ids(db: DbSession, *, by: int, filters: TriageFilter) -> list[int]:
    """The ids of every row of the filtered table, in its order: "Tout sélectionner"."""
    action_ids = actions_in_scope(db, by=by, action_id=filters.action_id)
    if not action_ids:
        return []
    joins = _joins_needed(filters, sorted_=True)
    query = _ordered(_selection([Registration.id], action_ids, filters, joins=joins), filters)
    return list(db.exec(query).all())


def triage_names(db: DbSession, *, by: int, registration_ids: list[int]) -> dict[int, str]:
    """The candidates' names, as the table shows them, of these registrations in scope."""
    if not registration_ids:
        return {}
    action_ids = actions_in_scope(db, by=by, action_id=None)
    rows = db.exec(
        select(Registration.id, Candidate.last_name, Candidate.first_name)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .where(Registration.id.in_(registration_ids), Registration.action_id.in_(action_ids))
    ).all()
    return {registration_id: f"{last.upper()} {first}" for registration_id, last, first in rows}


def _row(values, labels: dict[int, list[str]], *, formatted: bool = True) -> dict:
    (
        registration_id,
        action_id,
        status,
        submitted_at,
        title,
        last,
        first,
        born,
        p_last,
        p_first,
        structure,
    ) = values
    return {
        "registration_id": registration_id,
        "action_id": action_id,
        "Action": title,
        "Candidat": f"{last.upper()} {first}",
        "Né(e) le": format_date(born) if formatted else born,
        "Prescripteur": f"{p_last.upper()} {p_first}" if p_last else "Candidat libre",
        "Structure": structure or "",
        "Sessions": ", ".join(labels.get(registration_id, [])),
        "Etat": status.label,
        "Envoyée le": format_datetime(submitted_at) if formatted else submitted_at,
    }


def _session_labels(db: DbSession, registration_ids: list[int]) -> dict[int, list[str]]:
    """The session labels of these registrations (one page, or one batch of the export)."""
    labels: dict[int, list[str]] = defaultdict(list)
    if not registration_ids:
        return labels
    rows = db.exec(
        select(RegistrationSession.registration_id, Session.label)
        .join(Session, Session.id == RegistrationSession.session_id)
        .where(RegistrationSession.registration_id.in_(registration_ids))
        .order_by(Session.starts_at, Session.id)
    ).all()
    for registration_id, label in rows:
        labels[registration_id].append(label)
    return labels


@dataclass
class TriageSummary:
    """What stays in view above the table: counts per state, places left per session."""

    counts: dict[str, int]
    sessions: list[dict]
    structures: dict[int, str]
    actions: dict[int, str]
    # Whether an action in view asks for an eligibility decision.
    asks_eligibility: bool = False


def triage_summary(db: DbSession, *, by: int, action_id: int | None) -> TriageSummary:
    action_ids = actions_in_scope(db, by=by, action_id=action_id)
    sent = [Registration.action_id.in_(action_ids), Registration.status != S.DRAFT]
    counts = dict(
        db.exec(
            select(Registration.status, func.count(Registration.id))
            .where(*sent)
            .group_by(Registration.status)
        ).all()
    )
    sessions = db.exec(
        select(Session, Action.title)
        .join(Action, Action.id == Session.action_id)
        .where(Session.action_id.in_(action_ids))
        .order_by(Action.title, Session.starts_at)
        # Places are counted by UPDATEs that bypass the identity map: read them afresh.
        .execution_options(populate_existing=True)
    ).all()
    structures = db.exec(
        select(Structure.id, Structure.name)
        .join(Professional, Professional.structure_id == Structure.id)
        .join(Registration, Registration.prescriber_id == Professional.id)
        .where(*sent)
        .distinct()
        .order_by(Structure.name)
    ).all()
    titles = db.exec(
        select(Action.id, Action.title, Action.eligibility_scheme)
        .where(Action.id.in_(action_ids))
        .order_by(Action.title)
    ).all()
    return TriageSummary(
        counts={status.label: counts[status] for status in S if status in counts},
        sessions=[
            {
                "session_id": session.id,
                "Action": title,
                "Session": session.label,
                "Capacité": session.capacity,
                "Places prises": session.places_taken,
                "Places restantes": session.places_left,
            }
            for session, title in sessions
        ],
        structures=dict(structures),
        actions={action_id: title for action_id, title, _ in titles},
        asks_eligibility=any(scheme is not EligibilityScheme.NONE for *_, scheme in titles),
    )


def _check_reason(to_status: S, reason: str | None, comment: str) -> str | None:
    if to_status not in REFUSALS:
        return None
    if reason not in REFUSAL_REASONS[to_status]:
        raise InvalidInput({"reason": "Choisissez le motif du refus dans la liste."})
    if reason == OTHER_REASON and not comment.strip():
        raise InvalidInput({"comment": "Précisez le motif « Autre » dans le commentaire."})
    return reason


def set_status(
    db: DbSession,
    *,
    by: int,
    registration_ids: list[int],
    to_status: S,
    comment: str = "",
    reason: str | None = None,
) -> BulkResult:
    """Set the state of the selected rows; a refusal takes a reason from REFUSAL_REASONS.

    Eligibility has its own decision (decide_eligibility). What cannot change (no place
    left, a change the table forbids) is named in the result.
    """
    if to_status in ELIGIBILITY_STATUSES:
        raise DomainError(
            "L'éligibilité se décide avec « Eligibilité validée » ou « Eligibilité non validée »."
        )
    if not registration_ids:
        raise InvalidInput({"selection": "Sélectionnez au moins une inscription dans le tableau."})
    reason = _check_reason(to_status, reason, comment)
    return change_status(
        db,
        by=by,
        registration_ids=registration_ids,
        to_status=to_status,
        comment=comment,
        reason=reason,
    )


def decide_eligibility(
    db: DbSession, *, by: int, registration_ids: list[int], validated: bool, comment: str = ""
) -> BulkResult:
    """ "Eligibilité validée" or "non validée", on actions that ask for an eligibility."""
    if not registration_ids:
        raise InvalidInput({"selection": "Sélectionnez au moins une inscription dans le tableau."})
    actions = db.exec(
        select(Action)
        .join(Registration, Registration.action_id == Action.id)
        .where(Registration.id.in_(registration_ids))
        .distinct()
    ).all()
    for action in actions:
        require(db, professional_id=by, action_id=action.id, operation=Operation.DECIDE_ELIGIBILITY)
        if action.eligibility_scheme is EligibilityScheme.NONE:
            raise DomainError(
                f"L'action « {action.title} » ne demande pas d'éligibilité : choisissez "
                "directement un nouvel état."
            )

    target = eligibility_status(validated)
    return change_status(
        db, by=by, registration_ids=registration_ids, to_status=target, comment=comment
    )


def eligibility_status(validated: bool) -> S:
    return S.ELIGIBILITY_VALIDATED if validated else S.ELIGIBILITY_NOT_VALIDATED


def describe_result(result: BulkResult, target: S, names: dict[int, str]) -> str:
    """The French sentence a page shows after a bulk change, naming what did not change."""
    changed = counted(len(result.changed), "inscription passée", "inscriptions passées")
    message = f"{changed} à l'état « {target.label} »."
    if result.refused:
        unchanged = counted(len(result.refused), "inscription inchangée", "inscriptions inchangées")
        message += f" {unchanged} :"
    for registration_id, why in result.refused.items():
        message += f"\n\n{names.get(registration_id, registration_id)} : {why}"
    return message
