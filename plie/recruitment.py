"""Recruitment sessions: the employer × time-slot grid and the slots a candidate picks.

A candidate meets an employer once, meets at most the action's maximum of employers in a
session, is never in two places at the same time, and never gets a full slot. A registration
that holds places (sent, waiting or validated) holds one in each of its slots too, taken with a
conditional UPDATE (plie.places) so that two prescribers can never take a slot's last place.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import format_datetime
from plie.enums import PLACE_HOLDING_STATUSES
from plie.errors import DomainError, NoPlaceLeft, NotFound
from plie.models import Action, Employer, Registration, RegistrationSlot, Session, Slot
from plie.permissions import require_prescriber
from plie.places import give_back_slot_place, take_slot_place
from plie.registration_rules import load_for_update, registration_sessions, require_choices_open
from plie.text import counted

log = logging.getLogger(__name__)


@dataclass
class Cell:
    slot_id: int
    places_left: int
    chosen: bool


@dataclass
class Grid:
    """One recruitment session: employers in rows, times in columns."""

    session_id: int
    session_label: str
    max_employers: int
    times: list[datetime]
    employers: list[Employer]
    cells: dict[tuple[int, datetime], Cell] = field(default_factory=dict)

    def time_labels(self) -> list[str]:
        return [format_datetime(moment) for moment in self.times]


def grids(db: DbSession, *, action_id: int, registration_id: int | None = None) -> list[Grid]:
    """The grid of each of the action's sessions that has employers, with the places left."""
    action = db.get(Action, action_id)
    chosen = set()
    if registration_id is not None:
        chosen = set(
            db.exec(
                select(RegistrationSlot.slot_id).where(
                    RegistrationSlot.registration_id == registration_id
                )
            )
        )
    rows = db.exec(
        select(Session, Employer, Slot)
        .join(Employer, Employer.session_id == Session.id)
        .join(Slot, Slot.employer_id == Employer.id)
        .where(Session.action_id == action_id)
        .order_by(Session.starts_at, Employer.name, Slot.starts_at)
    ).all()
    by_session: dict[int, Grid] = {}
    for session, employer, slot in rows:
        grid = by_session.setdefault(
            session.id,
            Grid(session.id, session.label, action.max_employers_per_candidate, [], []),
        )
        if slot.starts_at not in grid.times:
            grid.times.append(slot.starts_at)
        if employer not in grid.employers:
            grid.employers.append(employer)
        grid.cells[(employer.id, slot.starts_at)] = Cell(
            slot.id, slot.places_left, slot.id in chosen
        )
    for grid in by_session.values():
        grid.times.sort()
    return list(by_session.values())


def _check_choice(action: Action, session: Session, picked: list[tuple[Slot, Employer]]) -> None:
    employers = [employer.id for _, employer in picked]
    if len(set(employers)) != len(employers):
        raise DomainError(
            "Un candidat rencontre chaque employeur une seule fois : choisissez un seul créneau "
            "par employeur."
        )
    if len(employers) > action.max_employers_per_candidate:
        raise DomainError(
            "Un candidat peut rencontrer au plus "
            f"{counted(action.max_employers_per_candidate, 'employeur')} pendant la session "
            f"« {session.label} »."
        )
    times = [slot.starts_at for slot, _ in picked]
    if len(set(times)) != len(times):
        raise DomainError(
            "Deux créneaux choisis sont à la même heure : le candidat ne peut pas rencontrer "
            "deux employeurs en même temps."
        )


def choose_slots(
    db: DbSession, *, by: int, registration_id: int, session_id: int, slot_ids: list[int]
) -> list[int]:
    """Set the slots chosen in one session of the registration (the ones not given are let go)."""
    registration = load_for_update(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    require_choices_open(registration)
    if session_id not in {s.id for s in registration_sessions(db, registration_id)}:
        raise DomainError("Cochez d'abord cette session pour y choisir des employeurs.")

    session = db.get(Session, session_id)
    action = db.get(Action, registration.action_id)
    wanted = list(dict.fromkeys(slot_ids))
    picked = db.exec(
        select(Slot, Employer)
        .join(Employer, Employer.id == Slot.employer_id)
        .where(Slot.id.in_(wanted), Employer.session_id == session_id)
        .execution_options(populate_existing=True)
    ).all()
    if len(picked) != len(wanted):
        raise NotFound("Un des créneaux choisis n'appartient pas à cette session.")
    _check_choice(action, session, picked)

    current = {
        row.slot_id: row
        for row in db.exec(
            select(RegistrationSlot).where(
                RegistrationSlot.registration_id == registration_id,
                RegistrationSlot.session_id == session_id,
            )
        )
    }
    holds = registration.status in PLACE_HOLDING_STATUSES
    for slot_id, row in current.items():
        if slot_id not in wanted:
            if holds:
                give_back_slot_place(db, slot_id=slot_id)
            db.delete(row)
    db.flush()
    for slot, employer in picked:
        if slot.id in current:
            continue
        if holds:
            take_slot_place(db, slot=slot, employer_name=employer.name)
        elif slot.places_left <= 0:
            raise NoPlaceLeft(f"Le créneau choisi avec « {employer.name} » est complet.")
        db.add(
            RegistrationSlot(
                registration_id=registration_id,
                session_id=session_id,
                employer_id=employer.id,
                slot_id=slot.id,
            )
        )
    db.commit()
    log.info(
        "slots_chosen registration=%s session=%s slots=%s by=%s",
        registration_id,
        session_id,
        len(wanted),
        by,
    )
    return wanted


def chosen_slots(db: DbSession, registration_id: int) -> list[tuple[Slot, Employer]]:
    return list(
        db.exec(
            select(Slot, Employer)
            .join(RegistrationSlot, RegistrationSlot.slot_id == Slot.id)
            .join(Employer, Employer.id == Slot.employer_id)
            .where(RegistrationSlot.registration_id == registration_id)
            .order_by(Slot.starts_at, Employer.name)
        )
    )


def take_slot_places(db: DbSession, registration: Registration) -> None:
    for slot, employer in chosen_slots(db, registration.id):
        take_slot_place(db, slot=slot, employer_name=employer.name)


def give_back_slot_places(db: DbSession, registration_id: int, session_id: int | None = None):
    query = select(RegistrationSlot.slot_id).where(
        RegistrationSlot.registration_id == registration_id
    )
    if session_id is not None:
        query = query.where(RegistrationSlot.session_id == session_id)
    for slot_id in db.exec(query).all():
        give_back_slot_place(db, slot_id=slot_id)
