"""The audit trail: who viewed, changed, exported or downloaded what, and from which page.

An entry names the record by its kind and id only. Names, answers, comments and filters that
contain personal data never go into it, so the trail itself holds nothing sensitive and can be
kept a year without becoming a second copy of the files.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import paris_instant
from plie.enums import AuditEvent
from plie.models import AuditEntry, Professional, utc_now

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
