"""The audit trail: who viewed, changed, exported or downloaded what, and from which page.

An entry names the record by its kind and id only. Names, answers, comments and filters that
contain personal data never go into it, so the trail itself holds nothing sensitive and can be
kept a year without becoming a second copy of the files.
"""

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, event, func, insert, inspect
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import models
from plie.dates import paris_instant
from plie.enums import AuditEvent
from plie.models import AuditEntry, Professional, utc_now

# Who is acting, and from which page: set by the app at the start of each page run, so that
# every change written during the run is recorded under that person's name.
_actor: ContextVar[tuple[int | None, str]] = ContextVar("plie_audit_actor", default=(None, ""))

# The records whose changes are recorded, by the name the trail gives them. Outbox emails,
# attempts, the trail itself and the history of states (kept with its registration) are not.
# The answers are rewritten whole at each save: the registration's own change (its updated_at)
# records who saved them, without a pair of entries per answer. A file joined or taken away is
# recorded on its registration.
TRACKED = {
    models.Candidate: "candidate",
    models.Registration: "registration",
    models.Document: "registration",
    models.RegistrationSession: "registration",
    models.CoPrescriber: "registration",
    models.Action: "action",
    models.Session: "session",
    models.Employer: "employer",
    models.Slot: "slot",
    models.ActionMember: "action",
    models.SessionReview: "session",
    models.ReviewEntry: "registration",
    models.ReviewOutcome: "registration",
    models.FollowUp: "registration",
    models.Professional: "professional",
    models.Structure: "structure",
    models.Team: "team",
}
# Which column names the record by the thing it belongs to (a session's review by its session).
OWNER_COLUMN = {
    models.RegistrationSession: "registration_id",
    models.Document: "registration_id",
    models.CoPrescriber: "registration_id",
    models.ActionMember: "action_id",
    models.SessionReview: "session_id",
    models.ReviewEntry: "registration_id",
    models.ReviewOutcome: "registration_id",
    models.FollowUp: "registration_id",
}


def act_as(professional_id: int | None, *, page: str = "") -> None:
    """Record what follows, in this thread, under this professional (None: nobody signed in)
    and this page."""
    _actor.set((professional_id, page[:60]))


def acting() -> tuple[int | None, str]:
    return _actor.get()


# A detail is a short technical note: letters, digits and a few separators, nothing more.
DETAIL_PATTERN = re.compile(r"^[\w .,:;=/+\-]*$")
MAX_LISTED = 500


def record(
    db: DbSession,
    *,
    professional_id: int | None,
    event: AuditEvent,
    object_type: str,
    object_id: int | None = None,
    page: str = "",
    detail: str = "",
) -> AuditEntry:
    """Add one entry to the caller's transaction: it is kept exactly when the work is."""
    if not page:
        page = acting()[1]
    if len(detail) > 300 or not DETAIL_PATTERN.match(detail):
        raise ValueError("an audit detail is a short technical note, not free text")
    entry = AuditEntry(
        professional_id=professional_id,
        event=event,
        object_type=object_type,
        object_id=object_id,
        page=page[:60],
        detail=detail,
    )
    db.add(entry)
    return entry


def _writes(db: DbSession) -> bool:
    """Whether the session is a unit of work that writes (plie.db.writing) on SQLite, where a
    second transaction would wait for this one to end."""
    return db.get_bind().get_execution_options().get("sqlite_begin") == "IMMEDIATE"


def note(
    db: DbSession,
    *,
    professional_id: int,
    event: AuditEvent,
    object_type: str,
    object_id: int | None = None,
    detail: str = "",
) -> None:
    """Record a view, export or download at once, in a transaction of its own.

    For the read side: the caller's session may be a read-only one that never commits. The page
    is the one the acting professional is on (see act_as). A caller inside a unit of work that
    writes (plie.db.writing) gets the entry in that unit instead: on SQLite a second writer
    would wait for it.
    """
    if _writes(db):
        record(
            db,
            professional_id=professional_id,
            event=event,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
        db.flush()
        return
    with DbSession(db.get_bind()) as own:
        record(
            own,
            professional_id=professional_id,
            event=event,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
        own.commit()


# The French names of the records the trail names, for the admin's page.
OBJECT_LABELS = {
    "candidate": "Candidat",
    "registration": "Inscription",
    "action": "Action",
    "session": "Session",
    "employer": "Employeur",
    "slot": "Créneau",
    "professional": "Professionnel",
    "structure": "Structure",
    "team": "Équipe",
    "document": "Document",
    "statistics_export": "Export statistique",
    "participant_import": "Import de participants",
    "retention": "Conservation",
}


def object_label(object_type: str, object_id: int | None) -> str:
    name = OBJECT_LABELS.get(object_type, object_type)
    return f"{name} n° {object_id}" if object_id is not None else name


# A page reruns on every click: a file looked at again within this time is one view.
VIEW_WINDOW = timedelta(minutes=10)


def note_view(
    db: DbSession,
    *,
    professional_id: int,
    object_type: str,
    object_id: int,
    event: AuditEvent = AuditEvent.VIEW_REGISTRATION,
) -> None:
    """Record that a professional opened a file, once per file and person within VIEW_WINDOW."""
    recent = select(AuditEntry.id).where(
        AuditEntry.professional_id == professional_id,
        AuditEntry.event == event,
        AuditEntry.object_type == object_type,
        AuditEntry.object_id == object_id,
        AuditEntry.at >= utc_now() - VIEW_WINDOW,
    )
    if _writes(db):
        seen = db.exec(recent).first() is not None
    else:
        # Asked in a session of its own: the caller's read-only one may see an older snapshot.
        with DbSession(db.get_bind()) as fresh:
            seen = fresh.exec(recent).first() is not None
    if not seen:
        note(
            db,
            professional_id=professional_id,
            event=event,
            object_type=object_type,
            object_id=object_id,
        )


def _changes_of(session) -> list[dict]:
    professional_id, page = acting()
    if professional_id is None:
        return []
    entries = []
    for kind, objects in (
        (AuditEvent.CREATE, session.new),
        (AuditEvent.CHANGE, session.dirty),
        (AuditEvent.DELETE, session.deleted),
    ):
        for item in objects:
            object_type = TRACKED.get(type(item))
            if object_type is None:
                continue
            state = inspect(item)
            if kind is AuditEvent.CHANGE:
                changed = sorted(
                    attribute.key
                    for attribute in state.mapper.column_attrs
                    if state.attrs[attribute.key].history.has_changes()
                )
                if not changed:
                    continue
                detail = "fields=" + ",".join(changed)[:290]
            else:
                detail = f"record={type(item).__tablename__}"
            entries.append(
                {
                    "item": item,
                    "event": kind,
                    "object_type": object_type,
                    "page": page,
                    "detail": detail,
                    "professional_id": professional_id,
                }
            )
    return entries


@event.listens_for(DbSession, "before_flush")
def _collect_changes(session, flush_context, instances) -> None:
    session.info.setdefault("audit_pending", []).extend(_changes_of(session))


@event.listens_for(DbSession, "after_flush")
def _write_changes(session, flush_context) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    rows = []
    for entry in pending:
        item = entry.pop("item")
        owner = OWNER_COLUMN.get(type(item))
        entry["object_id"] = getattr(item, owner) if owner else getattr(item, "id", None)
        entry["at"] = utc_now()
        rows.append(entry)
    session.connection().execute(insert(AuditEntry), rows)


@dataclass
class AuditFilter:
    professional_id: int | None = None
    event: AuditEvent | None = None
    object_type: str | None = None
    object_id: int | None = None
    start: date | None = None
    end: date | None = None


def entries(db: DbSession, filters: AuditFilter, *, limit: int = MAX_LISTED) -> list[dict]:
    """The newest entries matching the filters, with the professional's name, for the admin page."""
    query = (
        select(AuditEntry, Professional)
        .join(Professional, Professional.id == AuditEntry.professional_id, isouter=True)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    if filters.professional_id is not None:
        query = query.where(AuditEntry.professional_id == filters.professional_id)
    if filters.event is not None:
        query = query.where(AuditEntry.event == filters.event)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.start is not None:
        query = query.where(AuditEntry.at >= paris_instant(filters.start))
    if filters.end is not None:
        query = query.where(AuditEntry.at < paris_instant(filters.end + timedelta(days=1)))
    return [
        {
            "at": entry.at,
            "professional": (
                f"{who.first_name} {who.last_name} ({who.email})" if who else "Système"
            ),
            "event": entry.event,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "page": entry.page,
            "detail": entry.detail,
        }
        for entry, who in db.exec(query)
    ]


def actors(db: DbSession) -> list[Professional]:
    """The professionals who appear in the trail, for the admin page's filter."""
    ids = select(AuditEntry.professional_id).where(AuditEntry.professional_id.is_not(None))
    query = (
        select(Professional)
        .where(Professional.id.in_(ids.distinct()))
        .order_by(Professional.last_name, Professional.first_name)
    )
    return list(db.exec(query))


def count_older_than(db: DbSession, *, keep_days: int, now: datetime | None = None) -> int:
    cutoff = (now or utc_now()) - timedelta(days=keep_days)
    return db.exec(select(func.count()).where(AuditEntry.at < cutoff)).one()


def purge(db: DbSession, *, keep_days: int, now: datetime | None = None) -> int:
    """Remove the entries older than the retention period; how many went."""
    cutoff = (now or utc_now()) - timedelta(days=keep_days)
    result = db.exec(delete(AuditEntry).where(AuditEntry.at < cutoff))
    return result.rowcount
