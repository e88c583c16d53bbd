"""The coordinators' dashboard: the workbook's figures at a glance, ready for charts."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.accounts import get_professional
from plie.dates import format_date, format_week, paris_instant, today_in_paris
from plie.enums import RegistrationStatus
from plie.figures import Tally, compute_figures
from plie.models import Action, AuditEntry, Professional, Registration, Session, Structure
from plie.permissions import require_coordinator
from plie.statistics import UNAVAILABLE, Section, StatisticsFilters

MAX_SESSIONS_SHOWN = 40


@dataclass
class Dashboard:
    registrations: int
    candidates: int
    validated: int
    weekly: list[dict]
    sessions: list[dict]
    funnel: list[dict]
    states: list[dict]
    eligibility: list[dict] | None  # None: not recorded by this version
    outcomes: list[dict] | None
    indicators: list[dict]
    notes: list[str]


def filter_options(db: DbSession, *, by: int) -> dict:
    """The actions and prescribers' structures a coordinator may filter on."""
    require_coordinator(get_professional(db, professional_id=by))
    actions = db.exec(select(Action.id, Action.title).order_by(Action.title)).all()
    structures = db.exec(
        select(Structure.id, Structure.name)
        .where(Structure.id.in_(select(Professional.structure_id)))
        .order_by(Structure.name)
    ).all()
    return {"actions": dict(actions), "structures": dict(structures)}


def _section_rows(tally: Tally, section: str, source: str) -> list[dict] | None:
    if not tally.available.get(source, False):
        return None
    return [
        {"Modalité": modality, "Inscriptions": count}
        for s, modality, count, _ in tally.synthesis_rows()
        if s == section
    ]


def weekly_rows(by_week: dict[date, int]) -> list[dict]:
    """Every week from the first to the last with registrations, in order, labelled in French.

    Labelled here rather than by the chart: a chart's own date axis speaks the browser's
    language (English month names).
    """
    if not by_week:
        return []
    first, last = min(by_week), max(by_week)
    mondays = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    years = first.year != last.year
    return [
        {"Semaine": format_week(monday, with_year=years), "Inscriptions": by_week.get(monday, 0)}
        for monday in mondays
    ]


def _session_fill(db: DbSession, filters: StatisticsFilters) -> list[dict]:
    query = (
        select(Session, Action.title)
        .join(Action, Action.id == Session.action_id)
        .where(
            Session.starts_at >= paris_instant(filters.start),
            Session.starts_at < paris_instant(filters.end + timedelta(days=1)),
        )
        .order_by(Session.starts_at)
        .limit(MAX_SESSIONS_SHOWN)
    )
    if filters.action_ids:
        query = query.where(Action.id.in_(filters.action_ids))
    if filters.action_types:
        query = query.where(Action.action_type.in_(filters.action_types))
    if filters.schemes:
        query = query.where(Action.eligibility_scheme.in_(filters.schemes))
    return [
        {
            "Session": f"{title} – {session.label} "
            f"({format_date(today_in_paris(session.starts_at))})",
            "Places occupées": min(session.places_taken, session.capacity),
            "Places libres": session.places_left,
        }
        for session, title in db.exec(query).all()
    ]


def dashboard(db: DbSession, *, by: int, filters: StatisticsFilters) -> Dashboard:
    """The figures of the selection as the page charts them; coordinators only."""
    require_coordinator(get_professional(db, professional_id=by))
    tally = compute_figures(db, filters)

    S = RegistrationStatus
    sent = tally.total_registrations
    processed = sent - tally.status_count(S.PENDING)
    validated = tally.status_count(S.VALIDATED)
    funnel = [
        {"Etape": "1. Inscriptions envoyées", "Inscriptions": sent},
        {"Etape": "2. Traitées par l'organisateur", "Inscriptions": processed},
        {"Etape": "3. Validées", "Inscriptions": validated},
    ]
    states = [
        {"Etat": status.label, "Inscriptions": tally.status_count(status)}
        for status in S
        if tally.status_count(status)
    ]
    indicators = [
        {
            "Code": indicator.code,
            "Indicateur": indicator.label,
            "Femmes": women,
            "Hommes": men,
            "Total": total,
        }
        for indicator, women, men, _, total in tally.indicator_rows()
        if total is not None
    ]
    return Dashboard(
        registrations=tally.total_registrations,
        candidates=tally.total_candidates,
        validated=validated,
        weekly=weekly_rows(tally.by_week),
        sessions=_session_fill(db, filters),
        funnel=funnel,
        states=states,
        eligibility=_section_rows(tally, Section.ELIGIBILITY, "eligibility"),
        outcomes=_section_rows(tally, Section.OUTCOME, "outcome"),
        indicators=indicators,
        notes=[text for name, text in UNAVAILABLE.items() if not tally.available.get(name)],
    )


def data_version(db: DbSession) -> tuple:
    """What changes whenever a figure may: the page keeps its figures while this stays the same.

    Every change made through the app leaves an audit entry; a registration written by another
    path (the mailer never writes one, an import does) moves the count or the last update.
    """
    last_entry = db.exec(select(func.max(AuditEntry.id))).one()
    count, last_update = db.exec(
        select(func.count(Registration.id), func.max(Registration.updated_at))
    ).one()
    return (last_entry, count, last_update)
