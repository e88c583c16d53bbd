"""The outbox seen by an administrator: the emails that failed, and putting one back to send.

The mailer never sends an email twice on its own: when it cannot know whether an email left
(no answer in time, a mailer stopped mid-way), it marks it failed and leaves the decision to a
person. Putting such an email back to send asks that person to say they checked it did not
arrive, because it may already be in the recipient's mailbox.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.accounts import get_professional
from plie.dates import format_datetime, now
from plie.enums import OutboxStatus
from plie.errors import DomainError, NotFound
from plie.models import OutboxEmail
from plie.permissions import require_admin

log = logging.getLogger(__name__)

MAYBE_DELIVERED = (
    "Cet email a échoué sans réponse du service d'envoi (délai dépassé ou envoi interrompu) : "
    "il a peut-être déjà été remis à son destinataire. Vérifiez auprès de lui qu'il ne l'a pas "
    "reçu avant de le remettre en attente d'envoi, sinon il le recevra deux fois."
)
CHECK_FIRST = (
    "Confirmez d'abord que vous avez vérifié que cet email n'est pas arrivé : "
    "il a peut-être déjà été remis."
)
NOT_FAILED = "Cet email n'est pas en échec : il n'y a rien à renvoyer."


@dataclass(frozen=True)
class FailedEmail:
    """One failed email as the administrator's page shows it."""

    id: int
    created_at: str
    to_address: str
    subject: str
    attempts: int
    last_error: str
    outcome_unknown: bool


def failed_emails(db: DbSession, *, by: int, limit: int = 200) -> list[FailedEmail]:
    """The failed emails, newest first; for administrators only."""
    require_admin(get_professional(db, professional_id=by))

    rows = db.exec(
        select(OutboxEmail)
        .where(OutboxEmail.status == OutboxStatus.FAILED)
        .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
        .limit(limit)
    )
    return [
        FailedEmail(
            id=email.id,
            created_at=format_datetime(email.created_at),
            to_address=email.to_address,
            subject=email.subject,
            attempts=email.attempts,
            last_error=email.last_error or "",
            outcome_unknown=email.outcome_unknown,
        )
        for email in rows
    ]


def requeue_email(db: DbSession, *, by: int, email_id: int, checked: bool = False) -> None:
    """Put a failed email back to pending, with all its attempts again and the same key.

    An email whose outcome is unknown goes back only when the administrator says they checked
    that it did not arrive (`checked`). The change is one conditional UPDATE, so that two
    administrators clicking together put it back once.
    """
    require_admin(get_professional(db, professional_id=by))
    email = db.get(OutboxEmail, email_id)
    if email is None:
        raise NotFound("Cet email n'existe pas.")
    if email.status is not OutboxStatus.FAILED:
        raise DomainError(NOT_FAILED)
    if email.outcome_unknown and not checked:
        raise DomainError(CHECK_FIRST)

    changed = db.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == OutboxStatus.FAILED)
        .values(
            status=OutboxStatus.PENDING,
            next_attempt_at=now(),
            attempts=0,
            claimed_at=None,
            outcome_unknown=False,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.rollback()
        raise DomainError(NOT_FAILED)
    db.commit()
    log.info("email_requeued email=%s by=%s checked=%s", email_id, by, checked)
