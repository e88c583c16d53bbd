"""Professionals: local accounts of the demo and of a first admin, and their profile."""

import logging

import bcrypt
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.errors import InvalidInput, NotFound
from plie.models import ActionMember, Professional, Structure, Team
from plie.validation import FieldError, clean_phone

log = logging.getLogger(__name__)


def hash_password(password: str, *, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


def local_credentials(db: DbSession) -> dict:
    """The professionals who have a local password, in the form streamlit-authenticator reads."""
    rows = db.exec(select(Professional).where(Professional.password_hash.is_not(None)))
    return {
        "usernames": {
            professional.email: {
                "email": professional.email,
                "first_name": professional.first_name,
                "last_name": professional.last_name,
                "password": professional.password_hash,
            }
            for professional in rows
        }
    }


def get_professional(db: DbSession, *, professional_id: int) -> Professional:
    professional = db.get(Professional, professional_id)
    if professional is None:
        raise NotFound("Ce compte n'existe pas ou plus.")
    return professional


def professional_by_email(db: DbSession, *, email: str) -> Professional | None:
    return db.exec(select(Professional).where(Professional.email == email.strip().lower())).first()


def is_organiser(db: DbSession, *, professional_id: int) -> bool:
    """Organisers are the professionals authorised as pilots or member of an action's team."""
    professional = db.get(Professional, professional_id)
    if professional is not None and professional.can_pilot:
        return True
    member = db.exec(
        select(ActionMember.id).where(ActionMember.professional_id == professional_id)
    ).first()
    return member is not None


def update_profile(
    db: DbSession, *, by: int, phone: str | None, team_id: int | None
) -> Professional:
    """A professional completes their own phone and, at the Métropole, their team."""
    professional = get_professional(db, professional_id=by)
    try:
        professional.phone = clean_phone(phone, required=False)
    except FieldError as error:
        raise InvalidInput({"phone": str(error)}) from None
    if team_id is not None and db.get(Team, team_id) is None:
        raise InvalidInput({"team": "Cette équipe n'existe pas."})
    professional.team_id = team_id
    db.add(professional)
    db.commit()
    log.info("profile_updated professional=%s", by)
    return professional


def list_teams(db: DbSession) -> list[Team]:
    return list(db.exec(select(Team).order_by(Team.name)))


def structure_of(db: DbSession, professional: Professional) -> Structure | None:
    return db.get(Structure, professional.structure_id) if professional.structure_id else None


def is_admin(db: DbSession, *, professional_id: int) -> bool:
    professional = db.get(Professional, professional_id)
    return professional is not None and professional.is_admin
