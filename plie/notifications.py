"""Emails are written to the outbox in the same transaction as the change they report."""

import logging

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.models import OutboxEmail

log = logging.getLogger(__name__)


def queue_email(db: DbSession, *, key: str, to_address: str, subject: str, body: str) -> None:
    """Add an email to the outbox unless one with the same key is already there."""
    if db.exec(select(OutboxEmail.id).where(OutboxEmail.key == key)).first() is not None:
        return
    db.add(OutboxEmail(key=key, to_address=to_address, subject=subject, body=body))
    log.info("email_queued key=%s", key)
