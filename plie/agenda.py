"""The public agenda: upcoming published actions, grouped and filtered as on the PLIE's site."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import format_span, now, paris_instant
from plie.enums import AGENDA_CATEGORIES, EligibilityScheme
from plie.errors import InvalidInput
from plie.models import Action, Session

# The order of the headings on the PLIE's website; a category added later goes last.
CATEGORY_ORDER = (
    "Ateliers",
    "Formations et orientation",
    "Recrutements",
    "Pour les partenaires du PLIE",
)


def categories() -> list[str]:
    known = list(dict.fromkeys(AGENDA_CATEGORIES.values()))
    return sorted(known, key=lambda name: _category_rank(name))


def _category_rank(name: str) -> tuple[int, str]:
    return (CATEGORY_ORDER.index(name) if name in CATEGORY_ORDER else len(CATEGORY_ORDER), name)


@dataclass(frozen=True)
class AgendaFilters:
    """What a visitor chose; None everywhere is "Tout l'agenda"."""

    category: str | None = None
    commune: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    eligibility: EligibilityScheme | None = None

    @property
    def is_everything(self) -> bool:
        return self == AgendaFilters()


@dataclass
class AgendaEntry:
    action_id: int
    category: str
    type_label: str
    title: str
    summary: str
    commune: str
    eligibility: str
    allows_self_registration: bool
    dates: list[str] = field(default_factory=list)


def public_agenda(
    db: DbSession, *, today: date, filters: AgendaFilters | None = None
) -> list[tuple[str, list[AgendaEntry]]]:
    """Each category with its actions published today that have a session to come.

    With dates chosen, an action appears when one of its sessions starts between them, and only
    those sessions are shown. Categories follow the site's order, actions the soonest first.
    """
    filters = filters or AgendaFilters()
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput({"dates": "La date de début doit être avant la date de fin."})

    query = (
        select(Action, Session)
        .join(Session, Session.action_id == Action.id)
        .where(
            Action.publication_start <= today,
            Action.publication_end >= today,
            Session.ends_at >= now(),
        )
        .order_by(Session.starts_at, Action.id)
    )
    if filters.commune:
        query = query.where(Action.commune == filters.commune)
    if filters.eligibility:
        query = query.where(Action.eligibility_scheme == filters.eligibility)
    if filters.date_from:
        query = query.where(Session.starts_at >= paris_instant(filters.date_from))
    if filters.date_to:
        query = query.where(Session.starts_at < paris_instant(filters.date_to + timedelta(days=1)))

    entries: dict[int, AgendaEntry] = {}
    for action, session in db.exec(query).all():
        category = action.action_type.category
        if filters.category and category != filters.category:
            continue
        entry = entries.get(action.id)
        if entry is None:
            entry = entries[action.id] = AgendaEntry(
                action_id=action.id,
                category=category,
                type_label=action.action_type.label,
                title=action.title,
                summary=action.summary,
                commune=action.commune,
                eligibility=action.eligibility_scheme.label,
                allows_self_registration=action.allows_self_registration,
            )
        entry.dates.append(format_span(session.starts_at, session.ends_at))

    grouped: dict[str, list[AgendaEntry]] = {}
    for entry in entries.values():
        grouped.setdefault(entry.category, []).append(entry)
    return sorted(grouped.items(), key=lambda item: _category_rank(item[0]))


def agenda_communes(db: DbSession, *, today: date) -> list[str]:
    """The communes of the actions published today, for the filter."""
    rows = db.exec(
        select(Action.commune)
        .where(Action.publication_start <= today, Action.publication_end >= today)
        .distinct()
    ).all()
    return sorted({commune for commune in rows if commune})
