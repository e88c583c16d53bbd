"""Places in sessions and slots, taken and given back with one conditional UPDATE each.

Counting the places taken and then inserting oversells under concurrency; an UPDATE that only
changes the row while a place is left, and whose changed-row count is checked, cannot.
"""

from sqlalchemy import update
from sqlmodel import Session as DbSession

from plie.errors import NoPlaceLeft
from plie.models import Session, Slot


def take_session_place(db: DbSession, *, session: Session) -> None:
    taken = db.execute(
        update(Session)
        .where(Session.id == session.id, Session.places_taken < Session.capacity)
        .values(places_taken=Session.places_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise NoPlaceLeft(
            f"La session « {session.label} » est complète : il n'y reste plus de place."
        )


def give_back_session_place(db: DbSession, *, session_id: int) -> None:
    db.execute(
        update(Session)
        .where(Session.id == session_id, Session.places_taken > 0)
        .values(places_taken=Session.places_taken - 1)
        .execution_options(synchronize_session=False)
    )


def take_slot_place(db: DbSession, *, slot: Slot, employer_name: str) -> None:
    taken = db.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.places_taken < Slot.capacity)
        .values(places_taken=Slot.places_taken + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise NoPlaceLeft(f"Le créneau choisi avec « {employer_name} » est complet.")


def give_back_slot_place(db: DbSession, *, slot_id: int) -> None:
    db.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.places_taken > 0)
        .values(places_taken=Slot.places_taken - 1)
        .execution_options(synchronize_session=False)
    )
