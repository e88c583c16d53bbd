"""Co-prescribers ("Ajouter un prescripteur"): other professionals who follow a registration.

Once the registration is saved, any of its prescribers may add another professional, found by
name or email; that person then sees the registration, may act on it as its first prescriber
can, and gets the same emails. A co-prescriber can be removed; the first prescriber cannot.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.confirmation import registration_link
from plie.errors import DomainError, InvalidInput, NotFound
from plie.models import CoPrescriber, Professional, Registration, Structure
from plie.notifications import queue_email
from plie.permissions import require_prescriber
from plie.registration_rules import load_for_update
from plie.text import search_key

log = logging.getLogger(__name__)

MIN_LETTERS = 3
MAX_RESULTS = 10


@dataclass
class FoundProfessional:
    id: int
    name: str
    structure: str


def find_professionals(db: DbSession, *, text: str) -> list[FoundProfessional]:
    """Professionals whose last name, first name or email starts with the text typed."""
    needle = (text or "").strip().lower()
    if len(search_key(needle)) < MIN_LETTERS:
        raise InvalidInput(
            {"co_prescriber": "Tapez au moins 3 lettres du nom ou de l'email du prescripteur."}
        )
    rows = db.exec(
        select(Professional, Structure.name)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(
            or_(
                func.lower(Professional.last_name).startswith(needle, autoescape=True),
                func.lower(Professional.first_name).startswith(needle, autoescape=True),
                func.lower(Professional.email).startswith(needle, autoescape=True),
            )
        )
        .order_by(Professional.last_name, Professional.first_name)
        .limit(MAX_RESULTS)
    ).all()
    return [FoundProfessional(p.id, p.display_name, structure or "") for p, structure in rows]


def co_prescribers(db: DbSession, *, registration_id: int) -> list[FoundProfessional]:
    rows = db.exec(
        select(Professional, Structure.name)
        .join(CoPrescriber, CoPrescriber.professional_id == Professional.id)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(CoPrescriber.registration_id == registration_id)
        .order_by(CoPrescriber.id)
    ).all()
    return [FoundProfessional(p.id, p.display_name, structure or "") for p, structure in rows]


def add_co_prescriber(
    db: DbSession, *, by: int, registration_id: int, professional_id: int
) -> None:
    """Add a professional as co-prescriber; they are told by email."""
    registration = load_for_update(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    professional = db.get(Professional, professional_id)
    if professional is None:
        raise NotFound("Ce professionnel n'existe pas.")
    if professional_id == registration.prescriber_id:
        raise DomainError("Ce professionnel est déjà le prescripteur de cette inscription.")
    already = db.exec(
        select(CoPrescriber.id).where(
            CoPrescriber.registration_id == registration_id,
            CoPrescriber.professional_id == professional_id,
        )
    ).first()
    if already is not None:
        raise DomainError("Ce professionnel suit déjà cette inscription.")

    co = CoPrescriber(registration_id=registration_id, professional_id=professional_id)
    db.add(co)
    db.flush()
    _tell_added(db, registration, professional, co.id)
    db.commit()
    log.info(
        "co_prescriber_added registration=%s professional=%s by=%s",
        registration_id,
        professional_id,
        by,
    )


def _tell_added(db: DbSession, registration: Registration, professional: Professional, key: int):
    action, candidate = registration.action, registration.candidate
    queue_email(
        db,
        key=f"co-prescriber-added:{key}",
        to_address=professional.email,
        subject=f"Vous suivez une inscription : {action.title}",
        body=(
            "Bonjour,\n\n"
            f"Vous avez été ajouté·e comme prescripteur de l'inscription de "
            f"{candidate.display_name} à l'action « {action.title} ». Vous la suivez désormais "
            "et recevez les mêmes emails que son premier prescripteur.\n\n"
            f"Retrouvez l'inscription : {registration_link(registration.id)}\n\n"
            "PLIE Connect – Actions"
        ),
    )


def remove_co_prescriber(
    db: DbSession, *, by: int, registration_id: int, professional_id: int
) -> None:
    """Remove a co-prescriber; the registration's first prescriber stays."""
    registration = load_for_update(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    row = db.exec(
        select(CoPrescriber).where(
            CoPrescriber.registration_id == registration_id,
            CoPrescriber.professional_id == professional_id,
        )
    ).first()
    if row is None:
        raise NotFound("Ce professionnel n'est pas co-prescripteur de cette inscription.")
    db.delete(row)
    db.commit()
    log.info(
        "co_prescriber_removed registration=%s professional=%s by=%s",
        registration_id,
        professional_id,
        by,
    )
