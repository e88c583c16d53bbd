"""Professionals: local accounts of the demo and of a first admin, and their profile."""

import logging
from functools import lru_cache

import bcrypt
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit, throttle
from plie.enums import AuditEvent
from plie.errors import InvalidInput, NotAllowed, NotFound
from plie.models import ActionMember, Professional, Structure, Team
from plie.settings import Settings, get_settings
from plie.validation import FieldError, clean_phone

log = logging.getLogger(__name__)


def hash_password(password: str, *, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


WRONG_CREDENTIALS = "Adresse email ou mot de passe incorrect."
LOCAL_NOT_ALLOWED = (
    "Connectez-vous avec ProConnect : les comptes locaux sont réservés aux personnes qu'un "
    "administrateur autorise."
)
PHONE_FROM_PROCONNECT = (
    "Votre téléphone vient de ProConnect : modifiez-le sur ProConnect, il sera repris à votre "
    "prochaine connexion."
)


@lru_cache(maxsize=1)
def _unknown_hash() -> bytes:
    """Compared against when the email is unknown, so that a wrong email takes as long as a
    wrong password (same cost as the stored hashes) and does not tell who has an account."""
    return bcrypt.hashpw(b"no account", bcrypt.gensalt(rounds=12))


def authenticate_local(
    db: DbSession,
    *,
    email: str,
    password: str,
    proconnect_enabled: bool,
    client: str = "local",
    settings: Settings | None = None,
) -> Professional:
    """The professional whose local password this is, if local sign-in is open to them.

    Once ProConnect is configured, only admins (a first admin must get in) and the
    professionals an admin allows may use a local password. Failed attempts are counted per
    email and per client address (plie.throttle): past the limit, nothing is checked.
    """
    settings = settings or get_settings()
    throttle.check_sign_in_allowed(db, email=email, client=client, settings=settings)
    professional = professional_by_email(db, email=email or "")
    stored = (
        professional.password_hash.encode() if professional and professional.password_hash else None
    )
    matches = bcrypt.checkpw((password or "").encode(), stored or _unknown_hash())
    if professional is None or stored is None or not matches:
        log.info("local_sign_in_refused reason=credentials")
        throttle.record_failed_sign_in(db, email=email, client=client, settings=settings)
        raise NotAllowed(WRONG_CREDENTIALS)
    if not may_sign_in_locally(professional, proconnect_enabled=proconnect_enabled):
        log.info("local_sign_in_refused professional=%s reason=proconnect", professional.id)
        raise NotAllowed(LOCAL_NOT_ALLOWED)
    audit.record(
        db,
        professional_id=professional.id,
        event=AuditEvent.SIGN_IN,
        object_type="professional",
        object_id=professional.id,
        detail="local",
    )
    db.commit()
    log.info("local_sign_in professional=%s", professional.id)
    return professional


def may_sign_in_locally(professional: Professional, *, proconnect_enabled: bool) -> bool:
    """Without ProConnect every local account works; with it, admins' and allowed ones only."""
    return not proconnect_enabled or professional.is_admin or professional.local_sign_in_allowed


def allow_local_sign_in(db: DbSession, *, by: int, professional_id: int, allowed: bool) -> None:
    """An admin opens or closes local sign-in for one professional."""
    admin = get_professional(db, professional_id=by)
    if not admin.is_admin:
        raise NotAllowed("Seul un administrateur peut autoriser un compte local.")
    professional = get_professional(db, professional_id=professional_id)
    professional.local_sign_in_allowed = allowed
    db.add(professional)
    db.commit()
    log.info("local_sign_in_set professional=%s allowed=%s by=%s", professional_id, allowed, by)


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
        cleaned = clean_phone(phone, required=False)
    except FieldError as error:
        raise InvalidInput({"phone": str(error)}) from None
    if professional.phone_from_proconnect and cleaned != professional.phone:
        raise InvalidInput({"phone": PHONE_FROM_PROCONNECT})
    professional.phone = cleaned
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
