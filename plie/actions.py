"""Setting an action up: the action itself, its sessions, and the employers and slots of
recruitment sessions.

Each public function is one unit of work: it checks the person's role on the action
(plie.permissions), validates what was typed, and commits once. Places already taken are
protected: a session or slot that registrations hold cannot be deleted, and no capacity can
drop below the places taken.
"""

import logging
import re
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import PARIS
from plie.enums import ActionType, EligibilityScheme, MemberRole, SessionKind
from plie.errors import DomainError, InvalidInput, NotFound
from plie.models import (
    Action,
    ActionMember,
    Employer,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    Slot,
)
from plie.permissions import Operation, require, require_authorised_pilot
from plie.text import counted

log = logging.getLogger(__name__)

URL_PATTERN = re.compile(r"^https?://[^\s<>\"']+$")
MAX_CAPACITY = 10_000


@dataclass
class ActionInput:
    title: str
    action_type: ActionType
    publication_start: date | None
    publication_end: date | None
    summary: str = ""
    description: str = ""
    eligibility_scheme: EligibilityScheme = EligibilityScheme.NONE
    commune: str = ""
    allows_self_registration: bool = False
    auto_validate: bool = False
    max_employers_per_candidate: int = 3
    proofs_guide_url: str = ""


@dataclass
class SessionInput:
    label: str
    kind: SessionKind
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int
    registration_deadline: date | None
    place_name: str = ""
    address: str = ""


@dataclass
class EmployerInput:
    name: str
    job_offers: str = ""


@dataclass
class SlotInput:
    starts_at: datetime | None
    capacity: int


def _text(value: str | None, *, label: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValueError(f"Le champ « {label} » est obligatoire.")
    if len(value) > max_length:
        raise ValueError(f"Le champ « {label} » ne peut dépasser {max_length} caractères.")
    return value


def _capacity(value: int, *, label: str) -> int:
    if value is None or not 0 <= int(value) <= MAX_CAPACITY:
        raise ValueError(f"Le champ « {label} » doit être un nombre entre 0 et {MAX_CAPACITY}.")
    return int(value)


def _collect(checks: dict) -> dict:
    """Run each field's check; raise InvalidInput naming every wrong field at once."""
    values, errors = {}, {}
    for name, check in checks.items():
        try:
            values[name] = check()
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        raise InvalidInput(errors)
    return values


def _clean_action(data: ActionInput) -> dict:
    def window_end():
        if data.publication_end is None:
            raise ValueError("Le champ « Fin de publication » est obligatoire.")
        if data.publication_start and data.publication_end < data.publication_start:
            raise ValueError("La fin de publication doit suivre son début.")
        return data.publication_end

    def window_start():
        if data.publication_start is None:
            raise ValueError("Le champ « Début de publication » est obligatoire.")
        return data.publication_start

    def max_employers():
        if not 1 <= int(data.max_employers_per_candidate or 0) <= 20:
            raise ValueError("Le nombre d'employeurs maximum par candidat va de 1 à 20.")
        return int(data.max_employers_per_candidate)

    def guide_url():
        url = (data.proofs_guide_url or "").strip()
        if url and (len(url) > 500 or not URL_PATTERN.match(url)):
            raise ValueError(
                "Le lien du document des justificatifs doit commencer par https:// "
                "(500 caractères au plus)."
            )
        return url or None

    return _collect(
        {
            "title": lambda: _text(data.title, label="Libellé", max_length=200, required=True),
            "action_type": lambda: ActionType(data.action_type),
            "summary": lambda: _text(data.summary, label="Résumé", max_length=500),
            "description": lambda: _text(data.description, label="Description", max_length=20_000),
            "eligibility_scheme": lambda: EligibilityScheme(data.eligibility_scheme),
            "publication_start": window_start,
            "publication_end": window_end,
            "commune": lambda: _text(data.commune, label="Commune", max_length=100),
            "allows_self_registration": lambda: bool(data.allows_self_registration),
            "auto_validate": lambda: bool(data.auto_validate),
            "max_employers_per_candidate": max_employers,
            "proofs_guide_url": guide_url,
        }
    )


def _clean_session(data: SessionInput) -> dict:
    def ends_at():
        if data.starts_at is None or data.ends_at is None:
            raise ValueError("Le début et la fin de la session sont obligatoires.")
        if data.ends_at <= data.starts_at:
            raise ValueError("La fin de la session doit suivre son début.")
        return data.ends_at

    def deadline():
        if data.registration_deadline is None:
            raise ValueError("Le champ « Limite d'inscription » est obligatoire.")
        if data.starts_at and data.registration_deadline > data.starts_at.astimezone(PARIS).date():
            raise ValueError("La limite d'inscription ne peut suivre le début de la session.")
        return data.registration_deadline

    return _collect(
        {
            "label": lambda: _text(data.label, label="Libellé", max_length=200, required=True),
            "kind": lambda: SessionKind(data.kind),
            "starts_at": lambda: data.starts_at,
            "ends_at": ends_at,
            "capacity": lambda: _capacity(data.capacity, label="Capacité"),
            "registration_deadline": deadline,
            "place_name": lambda: _text(data.place_name, label="Lieu", max_length=200),
            "address": lambda: _text(data.address, label="Adresse", max_length=250),
        }
    )


def _load(db: DbSession, model, object_id: int, message: str):
    found = db.get(model, object_id) if object_id else None
    if found is None:
        raise NotFound(message)
    return found


def _action(db: DbSession, action_id: int) -> Action:
    return _load(db, Action, action_id, "Cette action n'existe pas ou a été supprimée.")


def _session(db: DbSession, session_id: int) -> Session:
    return _load(db, Session, session_id, "Cette session n'existe pas ou a été supprimée.")


def _employer(db: DbSession, employer_id: int) -> Employer:
    return _load(db, Employer, employer_id, "Cet employeur n'existe pas ou a été supprimé.")


def _slot(db: DbSession, slot_id: int) -> Slot:
    return _load(db, Slot, slot_id, "Ce créneau n'existe pas ou a été supprimé.")


def _may_edit(db: DbSession, by: int, action_id: int) -> None:
    require(db, professional_id=by, action_id=action_id, operation=Operation.EDIT_ACTION)


# The action


def create_action(db: DbSession, *, by: int, data: ActionInput) -> Action:
    """ "Ajouter une action": an authorised pilot creates it and becomes its pilot."""
    professional = _load(db, Professional, by, "Ce compte n'existe pas ou plus.")
    require_authorised_pilot(professional)
    values = _clean_action(data)

    action = Action(**values)
    db.add(action)
    db.flush()
    db.add(ActionMember(action_id=action.id, professional_id=by, role=MemberRole.PILOT))
    db.commit()
    log.info("action_created action=%s by=%s", action.id, by)
    return action


def update_action(db: DbSession, *, by: int, action_id: int, data: ActionInput) -> Action:
    """The pilot or a copilot changes the action's fields; all are checked before any changes."""
    action = _action(db, action_id)
    _may_edit(db, by, action_id)
    values = _clean_action(data)

    for name, value in values.items():
        setattr(action, name, value)
    db.add(action)
    db.commit()
    log.info("action_updated action=%s by=%s", action_id, by)
    return action


def action_input(action: Action) -> ActionInput:
    """The action's fields as the edit form shows them."""
    names = {f.name for f in fields(ActionInput)}
    values = {name: getattr(action, name) for name in names}
    values["proofs_guide_url"] = action.proofs_guide_url or ""
    return ActionInput(**values)


def delete_action(db: DbSession, *, by: int, action_id: int) -> None:
    """The pilot deletes an action that has no registration at all, drafts included."""
    action = _action(db, action_id)
    require(db, professional_id=by, action_id=action_id, operation=Operation.DELETE_ACTION)
    registrations = db.exec(
        select(func.count(Registration.id)).where(Registration.action_id == action_id)
    ).one()
    if registrations:
        raise DomainError(
            f"Cette action a {counted(registrations, 'inscription')} : elle ne peut pas être "
            "supprimée. Raccourcissez plutôt sa période de publication."
        )

    for session in db.exec(select(Session).where(Session.action_id == action_id)).all():
        _delete_session_tree(db, session)
    for member in db.exec(select(ActionMember).where(ActionMember.action_id == action_id)).all():
        db.delete(member)
    db.delete(action)
    db.commit()
    log.info("action_deleted action=%s by=%s", action_id, by)


# Sessions


def _registrations_holding(db: DbSession, session_id: int) -> int:
    return db.exec(
        select(func.count(RegistrationSession.id)).where(
            RegistrationSession.session_id == session_id
        )
    ).one()


def add_session(db: DbSession, *, by: int, action_id: int, data: SessionInput) -> Session:
    _action(db, action_id)
    _may_edit(db, by, action_id)
    values = _clean_session(data)

    session = Session(action_id=action_id, **values)
    db.add(session)
    db.commit()
    log.info("session_added action=%s session=%s by=%s", action_id, session.id, by)
    return session


SESSION_BELOW_PLACES_TAKEN = (
    "{taken} dans cette session : sa capacité ne peut descendre en dessous."
)
SLOT_BELOW_PLACES_TAKEN = "{taken} sur ce créneau : ses places ne peuvent descendre en dessous."


def _update_above_places_taken(
    db: DbSession, row: Session | Slot, values: dict, *, refusal: str
) -> None:
    """Change a session or a slot unless its new capacity is below the places already taken.

    One conditional UPDATE, like the places themselves: a submission taking a place at the same
    moment cannot slip between a check and the change.
    """
    table = type(row)
    changed = db.execute(
        update(table)
        .where(table.id == row.id, table.places_taken <= values["capacity"])
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.rollback()
        db.refresh(row)
        raise InvalidInput({"capacity": refusal.format(taken=_places_taken(row.places_taken))})
    db.commit()
    db.refresh(row)


def update_session(db: DbSession, *, by: int, session_id: int, data: SessionInput) -> Session:
    """Change a session; its capacity never drops below the places already taken."""
    session = _session(db, session_id)
    _may_edit(db, by, session.action_id)
    values = _clean_session(data)

    _update_above_places_taken(db, session, values, refusal=SESSION_BELOW_PLACES_TAKEN)
    log.info("session_updated session=%s by=%s", session_id, by)
    return session


def _delete_session_tree(db: DbSession, session: Session) -> None:
    for employer in db.exec(select(Employer).where(Employer.session_id == session.id)).all():
        for slot in db.exec(select(Slot).where(Slot.employer_id == employer.id)).all():
            db.delete(slot)
        db.delete(employer)
    db.delete(session)


def delete_session(db: DbSession, *, by: int, session_id: int) -> None:
    """Delete a session that no registration covers, with its employers and slots."""
    session = _session(db, session_id)
    _may_edit(db, by, session.action_id)
    held = _registrations_holding(db, session_id)
    if held:
        raise DomainError(
            f"La session « {session.label} » a {counted(held, 'inscription')} : elle ne peut "
            "pas être supprimée."
        )

    _delete_session_tree(db, session)
    db.commit()
    log.info("session_deleted session=%s by=%s", session_id, by)


# Employers and slots of recruitment sessions


def _check_recruitment(db: DbSession, session: Session) -> None:
    action = db.get(Action, session.action_id)
    recruitment = ActionType.RECRUITMENT
    if session.kind is not SessionKind.RECRUITMENT and action.action_type is not recruitment:
        raise DomainError(
            "Les employeurs et leurs créneaux se saisissent sur une session de recrutement."
        )


def add_employer(db: DbSession, *, by: int, session_id: int, data: EmployerInput) -> Employer:
    session = _session(db, session_id)
    _may_edit(db, by, session.action_id)
    _check_recruitment(db, session)
    values = _clean_employer(data)

    employer = Employer(session_id=session_id, **values)
    db.add(employer)
    db.commit()
    log.info("employer_added session=%s employer=%s by=%s", session_id, employer.id, by)
    return employer


def _clean_employer(data: EmployerInput) -> dict:
    return _collect(
        {
            "name": lambda: _text(data.name, label="Employeur", max_length=200, required=True),
            "job_offers": lambda: _text(data.job_offers, label="Offres d'emploi", max_length=5_000),
        }
    )


def update_employer(db: DbSession, *, by: int, employer_id: int, data: EmployerInput) -> Employer:
    employer = _employer(db, employer_id)
    session = db.get(Session, employer.session_id)
    _may_edit(db, by, session.action_id)
    values = _clean_employer(data)

    employer.name, employer.job_offers = values["name"], values["job_offers"]
    db.add(employer)
    db.commit()
    return employer


def delete_employer(db: DbSession, *, by: int, employer_id: int) -> None:
    """Delete an employer whose slots nobody has chosen."""
    employer = _employer(db, employer_id)
    session = db.get(Session, employer.session_id)
    _may_edit(db, by, session.action_id)
    slots = db.exec(select(Slot).where(Slot.employer_id == employer_id)).all()
    for slot in slots:
        db.refresh(slot)
    if any(slot.places_taken for slot in slots):
        raise DomainError(
            f"Des candidats ont choisi un créneau avec « {employer.name} » : cet employeur ne "
            "peut pas être supprimé."
        )

    for slot in slots:
        db.delete(slot)
    db.delete(employer)
    db.commit()
    log.info("employer_deleted employer=%s by=%s", employer_id, by)


def _clean_slot(data: SlotInput, session: Session) -> dict:
    def starts_at():
        if data.starts_at is None:
            raise ValueError("Le champ « Heure du créneau » est obligatoire.")
        if not session.starts_at <= data.starts_at < session.ends_at:
            raise ValueError("Le créneau doit se tenir pendant la session.")
        return data.starts_at

    return _collect(
        {
            "starts_at": starts_at,
            "capacity": lambda: _capacity(data.capacity, label="Places du créneau"),
        }
    )


def add_slot(db: DbSession, *, by: int, employer_id: int, data: SlotInput) -> Slot:
    employer = _employer(db, employer_id)
    session = db.get(Session, employer.session_id)
    _may_edit(db, by, session.action_id)
    values = _clean_slot(data, session)

    slot = Slot(employer_id=employer_id, **values)
    db.add(slot)
    db.commit()
    log.info("slot_added employer=%s slot=%s by=%s", employer_id, slot.id, by)
    return slot


def update_slot(db: DbSession, *, by: int, slot_id: int, data: SlotInput) -> Slot:
    """Change a slot; its places never drop below the places already taken."""
    slot = _slot(db, slot_id)
    session = db.get(Session, db.get(Employer, slot.employer_id).session_id)
    _may_edit(db, by, session.action_id)
    values = _clean_slot(data, session)

    _update_above_places_taken(db, slot, values, refusal=SLOT_BELOW_PLACES_TAKEN)
    return slot


def _places_taken(count: int) -> str:
    return "1 place est déjà prise" if count < 2 else f"{count} places sont déjà prises"


def delete_slot(db: DbSession, *, by: int, slot_id: int) -> None:
    """Delete a slot that nobody has chosen."""
    slot = _slot(db, slot_id)
    session = db.get(Session, db.get(Employer, slot.employer_id).session_id)
    _may_edit(db, by, session.action_id)
    db.refresh(slot)
    if slot.places_taken:
        raise DomainError(
            f"{counted(slot.places_taken, 'candidat a', 'candidats ont')} choisi ce créneau : "
            "il ne peut pas être supprimé."
        )

    db.delete(slot)
    db.commit()
    log.info("slot_deleted slot=%s by=%s", slot_id, by)


# The read side of the edit page


@dataclass
class EmployerSetup:
    employer: Employer
    slots: list[Slot]


@dataclass
class SessionSetup:
    session: Session
    registrations: int
    employers: list[EmployerSetup]


def action_setup(db: DbSession, *, by: int, action_id: int) -> tuple[Action, list[SessionSetup]]:
    """The action with its sessions, employers and slots, for those who may edit it."""
    action = _action(db, action_id)
    _may_edit(db, by, action_id)

    sessions = db.exec(
        select(Session)
        .where(Session.action_id == action_id)
        .order_by(Session.starts_at)
        .execution_options(populate_existing=True)
    ).all()
    session_ids = [session.id for session in sessions]
    counts = dict(
        db.exec(
            select(RegistrationSession.session_id, func.count(RegistrationSession.id))
            .where(RegistrationSession.session_id.in_(session_ids))
            .group_by(RegistrationSession.session_id)
        ).all()
    )
    employers = db.exec(
        select(Employer).where(Employer.session_id.in_(session_ids)).order_by(Employer.name)
    ).all()
    slots = db.exec(
        select(Slot)
        .where(Slot.employer_id.in_([employer.id for employer in employers]))
        .order_by(Slot.starts_at)
        .execution_options(populate_existing=True)
    ).all()
    setups = []
    for session in sessions:
        session_employers = [
            EmployerSetup(employer, [slot for slot in slots if slot.employer_id == employer.id])
            for employer in employers
            if employer.session_id == session.id
        ]
        setups.append(SessionSetup(session, counts.get(session.id, 0), session_employers))
    return action, setups
