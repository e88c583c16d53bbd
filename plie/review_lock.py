"""The lock of session reviews, as the registrations see it.

Once the organisers lock a session's review ("Verrouiller le bilan"), the registrations of that
session no longer change state (nor are they deleted): the review records who came and what came
of it, and a later change of state would contradict it. Only a pilot reopens a review.
"""

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.errors import ReviewLocked
from plie.models import RegistrationSession, Session, SessionReview


def locked_message(session_label: str) -> str:
    return (
        f"Le bilan de la session « {session_label} » est verrouillé : plus rien n'y change. "
        "Seul le pilote de l'action peut le rouvrir."
    )


def ensure_sessions_unlocked(db: DbSession, *, session_ids: list[int]) -> None:
    """Raise ReviewLocked if the review of one of these sessions is locked.

    The review's row is read FOR SHARE (PostgreSQL): a lock being committed at the same moment
    waits for this transaction, or this one reads the lock once it is committed.
    """
    if not session_ids:
        return
    # Every review row is read and share-locked, locked or not: a row filtered out by the
    # WHERE clause would not be locked, and a lock committed meanwhile would go unseen.
    rows = db.exec(
        select(SessionReview.locked_at, Session.label)
        .join(Session, Session.id == SessionReview.session_id)
        .where(SessionReview.session_id.in_(session_ids))
        .order_by(SessionReview.id)
        .with_for_update(read=True, of=SessionReview)
    ).all()
    for locked_at, label in rows:
        if locked_at is not None:
            raise ReviewLocked(locked_message(label))


def ensure_registration_unlocked(db: DbSession, *, registration_id: int) -> None:
    """Raise ReviewLocked if a session of this registration has a locked review."""
    session_ids = db.exec(
        select(RegistrationSession.session_id).where(
            RegistrationSession.registration_id == registration_id
        )
    ).all()
    ensure_sessions_unlocked(db, session_ids=list(session_ids))
