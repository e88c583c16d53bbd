"""The admin's work: authorise pilots, manage structures and the Métropole's teams."""

import logging

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.enums import StructureKind
from plie.errors import DomainError, InvalidInput, NotFound
from plie.models import Professional, Structure, Team
from plie.permissions import require_admin
from plie.text import counted

log = logging.getLogger(__name__)


def _admin(db: DbSession, by: int) -> Professional:
    professional = db.get(Professional, by)
    if professional is None:
        raise NotFound("Ce compte n'existe pas ou plus.")
    require_admin(professional)
    return professional


def _professional(db: DbSession, professional_id: int) -> Professional:
    professional = db.get(Professional, professional_id)
    if professional is None:
        raise NotFound("Ce professionnel n'existe pas ou plus.")
    return professional


def _name(value: str, *, label: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise InvalidInput({"name": f"Le champ « {label} » est obligatoire."})
    if len(value) > 200:
        raise InvalidInput({"name": f"Le champ « {label} » ne peut dépasser 200 caractères."})
    return value


def professionals(db: DbSession, *, by: int) -> list[dict]:
    """Every professional, with their structure, team and rights, for the admin's table."""
    _admin(db, by)
    rows = db.exec(
        select(Professional, Structure.name, Team.name)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .outerjoin(Team, Team.id == Professional.team_id)
        .order_by(Professional.last_name, Professional.first_name)
    ).all()
    return [
        {
            "professional_id": professional.id,
            "Nom": professional.display_name,
            "Email": professional.email,
            "Structure": structure or "",
            "Équipe": team or "",
            "Pilote autorisé": professional.can_pilot,
            # With ProConnect configured, the password sign-in of the accounts an admin allows.
            "Compte local autorisé": professional.local_sign_in_allowed,
            "Administrateur": professional.is_admin,
        }
        for professional, structure, team in rows
    ]


def authorise_pilot(db: DbSession, *, by: int, professional_id: int, allowed: bool) -> None:
    """Grant or withdraw the right to create actions; actions already piloted stay theirs."""
    _admin(db, by)
    professional = _professional(db, professional_id)

    professional.can_pilot = allowed
    db.add(professional)
    db.commit()
    log.info("pilot_authorised professional=%s allowed=%s by=%s", professional_id, allowed, by)


def assign(
    db: DbSession, *, by: int, professional_id: int, structure_id: int | None, team_id: int | None
) -> None:
    """Set a professional's structure and team."""
    _admin(db, by)
    professional = _professional(db, professional_id)
    if structure_id is not None and db.get(Structure, structure_id) is None:
        raise NotFound("Cette structure n'existe pas ou plus.")
    if team_id is not None and db.get(Team, team_id) is None:
        raise NotFound("Cette équipe n'existe pas ou plus.")

    professional.structure_id, professional.team_id = structure_id, team_id
    db.add(professional)
    db.commit()
    log.info("professional_assigned professional=%s by=%s", professional_id, by)


def structures(db: DbSession, *, by: int) -> list[Structure]:
    _admin(db, by)
    return list(db.exec(select(Structure).order_by(Structure.name)))


def save_structure(
    db: DbSession,
    *,
    by: int,
    structure_id: int | None,
    name: str,
    kind: StructureKind,
    siret: str = "",
) -> Structure:
    """Create a structure (structure_id None) or rename it and change its kind and SIRET."""
    _admin(db, by)
    name = _name(name, label="Nom de la structure")
    siret = "".join((siret or "").split())
    if siret and (len(siret) != 14 or not siret.isdigit()):
        raise InvalidInput({"siret": "Le SIRET compte 14 chiffres."})

    # ProConnect files a professional under the structure of their SIRET: it names one only.
    if siret:
        same = db.exec(select(Structure).where(Structure.siret == siret)).first()
        if same is not None and same.id != structure_id:
            raise InvalidInput({"siret": _siret_taken(same)})

    structure = Structure() if structure_id is None else db.get(Structure, structure_id)
    if structure is None:
        raise NotFound("Cette structure n'existe pas ou plus.")
    structure.name, structure.kind, structure.siret = name, StructureKind(kind), siret or None
    db.add(structure)
    try:
        db.commit()
    except IntegrityError:
        # Another admin (or a first ProConnect sign-in) took this SIRET at the same moment.
        db.rollback()
        same = db.exec(select(Structure).where(Structure.siret == siret)).one()
        raise InvalidInput({"siret": _siret_taken(same)}) from None
    log.info("structure_saved structure=%s by=%s", structure.id, by)
    return structure


def _siret_taken(structure: Structure) -> str:
    return (
        f"Ce SIRET est déjà celui de la structure « {structure.name} » : modifiez-la plutôt "
        "que d'en créer une autre."
    )


def save_team(db: DbSession, *, by: int, team_id: int | None, name: str) -> Team:
    """Create a team of the Métropole ("Mon équipe") or rename it; names are unique."""
    _admin(db, by)
    name = _name(name, label="Nom de l'équipe")
    same = db.exec(select(Team).where(func.lower(Team.name) == name.lower())).first()
    if same is not None and same.id != team_id:
        raise InvalidInput({"name": "Une équipe porte déjà ce nom."})

    team = Team() if team_id is None else db.get(Team, team_id)
    if team is None:
        raise NotFound("Cette équipe n'existe pas ou plus.")
    team.name = name
    db.add(team)
    db.commit()
    log.info("team_saved team=%s by=%s", team.id, by)
    return team


def delete_team(db: DbSession, *, by: int, team_id: int) -> None:
    """Delete a team that nobody belongs to any more."""
    _admin(db, by)
    team = db.get(Team, team_id)
    if team is None:
        raise NotFound("Cette équipe n'existe pas ou plus.")
    members = db.exec(
        select(func.count(Professional.id)).where(Professional.team_id == team_id)
    ).one()
    if members:
        raise DomainError(
            f"{counted(members, 'professionnel fait', 'professionnels font')} partie de "
            f"l'équipe « {team.name} » : changez d'abord "
            f"{'son' if members < 2 else 'leur'} équipe."
        )

    db.delete(team)
    db.commit()
    log.info("team_deleted team=%s by=%s", team_id, by)
