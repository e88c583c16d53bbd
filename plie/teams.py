"""An action's team: its pilot adds copilots and partners, found by name or email."""

import logging

from sqlalchemy import func, or_
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.enums import MemberRole
from plie.errors import DomainError, InvalidInput, NotFound
from plie.models import ActionMember, Professional, Structure
from plie.permissions import Operation, require
from plie.text import search_key

log = logging.getLogger(__name__)

MIN_SEARCH_LETTERS = 3
MAX_FOUND = 20


def team(db: DbSession, *, by: int, action_id: int) -> list[dict]:
    """The action's organisers, pilot first; any of them may see the list."""
    require(db, professional_id=by, action_id=action_id, operation=Operation.VIEW_REGISTRATIONS)
    rows = db.exec(
        select(ActionMember.role, Professional, Structure.name)
        .join(Professional, Professional.id == ActionMember.professional_id)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(ActionMember.action_id == action_id)
    ).all()
    order = list(MemberRole)
    return [
        {
            "professional_id": professional.id,
            "Nom": professional.display_name,
            "Email": professional.email,
            "Structure": structure or "",
            "Rôle": role.label,
            "role": role,
        }
        for role, professional, structure in sorted(
            rows, key=lambda row: (order.index(row[0]), row[1].last_name)
        )
    ]


def find_professionals(db: DbSession, *, by: int, action_id: int, query: str) -> list[dict]:
    """Professionals whose name or email contains what the pilot typed, not yet in the team."""
    require(db, professional_id=by, action_id=action_id, operation=Operation.MANAGE_TEAM)
    needle = query.strip().lower()
    if len(search_key(needle)) < MIN_SEARCH_LETTERS:
        raise InvalidInput(
            {"query": "Tapez au moins 3 lettres du nom, du prénom ou de l'adresse email."}
        )

    members = select(ActionMember.professional_id).where(ActionMember.action_id == action_id)
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    full_name = func.lower(Professional.first_name + " " + Professional.last_name)
    rows = db.exec(
        select(Professional, Structure.name)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(
            or_(
                func.lower(Professional.email).like(pattern, escape="\\"),
                func.lower(Professional.last_name).like(pattern, escape="\\"),
                func.lower(Professional.first_name).like(pattern, escape="\\"),
                full_name.like(pattern, escape="\\"),
            ),
            Professional.id.not_in(members),
        )
        .order_by(Professional.last_name, Professional.first_name)
        .limit(MAX_FOUND)
    ).all()
    return [
        {
            "professional_id": professional.id,
            "Nom": professional.display_name,
            "Email": professional.email,
            "Structure": structure or "",
        }
        for professional, structure in rows
    ]


def add_member(
    db: DbSession, *, by: int, action_id: int, professional_id: int, role: MemberRole
) -> ActionMember:
    """The pilot adds a copilot or a partner; an action keeps exactly one pilot."""
    require(db, professional_id=by, action_id=action_id, operation=Operation.MANAGE_TEAM)
    if role is MemberRole.PILOT:
        raise DomainError("Une action n'a qu'un pilote : ajoutez un copilote ou un partenaire.")
    if db.get(Professional, professional_id) is None:
        raise NotFound("Ce professionnel n'existe pas ou plus.")
    existing = db.exec(
        select(ActionMember).where(
            ActionMember.action_id == action_id, ActionMember.professional_id == professional_id
        )
    ).first()
    if existing is not None:
        raise DomainError(
            f"Ce professionnel est déjà dans l'équipe de l'action ({existing.role.label})."
        )

    member = ActionMember(action_id=action_id, professional_id=professional_id, role=role)
    db.add(member)
    db.commit()
    log.info(
        "member_added action=%s professional=%s role=%s by=%s", action_id, professional_id, role, by
    )
    return member


def remove_member(db: DbSession, *, by: int, action_id: int, professional_id: int) -> None:
    """The pilot removes a copilot or a partner; the pilot stays."""
    require(db, professional_id=by, action_id=action_id, operation=Operation.MANAGE_TEAM)
    member = db.exec(
        select(ActionMember).where(
            ActionMember.action_id == action_id, ActionMember.professional_id == professional_id
        )
    ).first()
    if member is None:
        raise NotFound("Ce professionnel ne fait pas partie de l'équipe de l'action.")
    if member.role is MemberRole.PILOT:
        raise DomainError("Le pilote ne peut pas être retiré de l'équipe de son action.")

    db.delete(member)
    db.commit()
    log.info("member_removed action=%s professional=%s by=%s", action_id, professional_id, by)
