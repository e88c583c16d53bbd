"""Self-registration ("candidat libre"): a person registers from the public agenda.

Three protections: limits per client address and per email over a time window, counted in the
database so that every app server shares them; the same person registering twice to an action
is recognised and not registered again; and the answer, the page and the email are the same
whether the person was known or not, so that the form never tells a stranger who the PLIE
follows.

The form also asks what the action needs that the person can answer about themself (see
plie.self_answers); their answers are stored as a prescriber's are.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, text
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import format_span, now, today_in_paris
from plie.documents import FileStore
from plie.enums import RegistrationStatus
from plie.errors import DomainError, InvalidInput, NoPlaceLeft, NotAllowed, NotFound
from plie.models import (
    Action,
    Candidate,
    Registration,
    RegistrationSession,
    SelfRegistration,
    SelfRegistrationAttempt,
    Session,
    StatusChange,
)
from plie.notifications import queue_email
from plie.places import take_session_place
from plie.registration_edits import FormAnswers, write_answers
from plie.self_answers import SelfAnswers, asked_only
from plie.self_answers import check as check_answers
from plie.settings import get_settings
from plie.text import search_key
from plie.throttle import keyed_hash
from plie.validation import FieldError, clean_birth_date, clean_email, clean_name, clean_phone

log = logging.getLogger(__name__)

S = RegistrationStatus
ENDED_STATUSES = frozenset({S.UNREGISTERED, S.REFUSED_BY_COMMISSION, S.REFUSED_BY_CANDIDATE})

NOTICE_VERSION = "2025-2"
DATA_NOTICE = (
    "Vos nom, prénom, date de naissance, téléphone et email, ainsi que vos réponses sur votre "
    "situation et aux questions de l'action, sont transmis aux organisateurs de l'action (le "
    "pilote, les copilotes et les partenaires) pour traiter votre inscription et vous "
    "contacter. Le PLIE les conserve pour le suivi de l'action et les statistiques demandées "
    "par le Fonds social européen (FSE+), puis les supprime au plus tard trois ans après la "
    "fin de l'action. Vous pouvez demander à les consulter, les corriger ou les supprimer en "
    "écrivant au PLIE."
)
SENSITIVE_NOTICE = (
    "Certaines cases de « Votre situation » touchent à des données sensibles : RSA et autres "
    "minima sociaux, reconnaissance de handicap (RQTH), statut de réfugié ou de protection, "
    "peine privative de liberté. Les cocher est facultatif, sauf si l'une d'elles est votre "
    "seule réponse possible à une question obligatoire (*). Seuls les organisateurs de "
    "l'action voient ces réponses ; le PLIE les compte, sans votre nom, dans ses statistiques "
    "pour les financeurs."
)
CONSENT_LABEL = "J'ai lu comment mes données sont utilisées et je l'accepte."

RECEIVED = (
    "Votre demande d'inscription est bien reçue. Un email de confirmation est envoyé à "
    "l'adresse indiquée ; l'organisateur de l'action vous contactera."
)
TOO_MANY_ATTEMPTS = (
    "Trop de demandes d'inscription ont été envoyées depuis cette connexion. Réessayez dans "
    "une heure, ou demandez à votre conseiller de vous inscrire."
)
NOT_OPEN_TO_SELF_REGISTRATION = (
    "Cette action n'accepte pas d'inscription directe : demandez à votre conseiller "
    "(France Travail, Mission Locale, référent PLIE...) de vous y inscrire."
)


class TooManyAttempts(DomainError):
    """The client address has sent too many self-registrations in the time window."""


@dataclass
class SelfRegistrationInput:
    """What the visitor typed in the public form."""

    last_name: str = ""
    first_name: str = ""
    birth_date: date | str | None = None
    phone: str | None = None
    email: str | None = None
    session_ids: list[int] = field(default_factory=list)
    accepts_notice: bool = False
    # Choice codes or True/False per eligibility field; a value per question's id.
    eligibility: dict = field(default_factory=dict)
    questions: dict[int, object] = field(default_factory=dict)


def client_address(*, remote_ip: str | None, forwarded_for: str | None, trusted_hops: int) -> str:
    """The visitor's address: the connection's own, or the one the trusted proxies saw.

    Each trusted proxy appends to X-Forwarded-For the address it received the request from, so
    the client's address is the n-th from the right; anything left of it may be forged.
    """
    hops = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    if trusted_hops > 0 and hops:
        return hops[-trusted_hops] if len(hops) >= trusted_hops else hops[0]
    return remote_ip or "local"


def _validated(db: DbSession, action: Action, data: SelfRegistrationInput) -> dict:
    """The identity as stored, or InvalidInput with every field's message, answers included."""
    cleaners = {
        "last_name": lambda: clean_name(data.last_name, label="Nom"),
        "first_name": lambda: clean_name(data.first_name, label="Prénom"),
        "birth_date": lambda: clean_birth_date(data.birth_date, today=today_in_paris()),
        "phone": lambda: clean_phone(data.phone, required=True),
        "email": lambda: clean_email(data.email, required=True),
    }
    values, errors = {}, {}
    for name, clean in cleaners.items():
        try:
            values[name] = clean()
        except FieldError as error:
            errors[name] = str(error)
    if not data.session_ids:
        errors["sessions"] = "Cochez au moins une session."
    if not data.accepts_notice:
        errors["consent"] = (
            "Pour vous inscrire, cochez la case qui indique que vous acceptez l'utilisation "
            "de vos données."
        )
    errors.update(check_answers(db, action, _answers(db, action, data)))
    if errors:
        raise InvalidInput(errors)
    return values


def _answers(db: DbSession, action: Action, data: SelfRegistrationInput) -> SelfAnswers:
    return asked_only(db, action, SelfAnswers(data.eligibility, data.questions))


def _lock_attempts(db: DbSession, *hashes: str) -> None:
    """On PostgreSQL, the attempts of one address or one email are counted and recorded in turn.

    Without it, simultaneous requests on several app servers would all count the same attempts
    and all pass a limit. The lock is the transaction's: the commit that records the attempt
    releases it. Taken in the same order (address, then email) by everyone, so no two requests
    wait on each other. SQLite already runs writing transactions one at a time.
    """
    if db.get_bind().dialect.name != "postgresql":
        return
    for value in hashes:
        key = int.from_bytes(hashlib.sha256(f"attempts:{value}".encode()).digest()[:8], "big")
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key - 2**63})


def _count_recent(db: DbSession, column, value: str, since) -> int:
    return db.exec(
        select(func.count(SelfRegistrationAttempt.id)).where(
            column == value, SelfRegistrationAttempt.at >= since
        )
    ).one()


def _open_sessions(db: DbSession, action: Action, session_ids: list[int]) -> list[Session]:
    sessions = list(
        db.exec(
            select(Session)
            .where(Session.id.in_(session_ids), Session.action_id == action.id)
            .order_by(Session.starts_at)
            .execution_options(populate_existing=True)
        )
    )
    if len(sessions) != len(set(session_ids)):
        raise NotFound("Une des sessions cochées n'appartient pas à cette action.")
    today = today_in_paris()
    for session in sessions:
        if not session.is_open_on(today):
            raise DomainError(
                f"Les inscriptions à la session « {session.label} » sont closes depuis le "
                f"{session.registration_deadline:%d/%m/%Y}."
            )
        if session.places_left <= 0:
            raise NoPlaceLeft(
                f"La session « {session.label} » est complète : il n'y reste plus de place."
            )
    return sessions


def _serialise_identity(db: DbSession, identity: str) -> None:
    """On PostgreSQL, two submissions of the same person at the same moment take turns.

    SQLite already runs writing transactions one at a time (BEGIN IMMEDIATE).
    """
    if db.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big", signed=True)
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _running_registration(db: DbSession, *, candidate_id: int, action_id: int) -> int | None:
    """A registration of the person that the organisers already have on the action.

    A prescriber's draft does not count: the organisers never see it, and it may never be sent
    (plie.registrations refuses to send a draft once the person registered themself).
    """
    return db.exec(
        select(Registration.id).where(
            Registration.candidate_id == candidate_id,
            Registration.action_id == action_id,
            Registration.status.not_in([*ENDED_STATUSES, S.DRAFT]),
        )
    ).first()


def _queue_receipt(db: DbSession, action: Action, sessions: list[Session], values: dict) -> None:
    """The same email whether the person was known, already registered or new."""
    lines = "\n".join(
        f"- {session.label} : {format_span(session.starts_at, session.ends_at)}, "
        f"{session.place_name} {session.address}".rstrip()
        for session in sessions
    )
    queue_email(
        db,
        key=f"self-registration:{uuid.uuid4().hex}",
        to_address=values["email"],
        subject=f"Votre demande d'inscription : {action.title}",
        body=(
            f"Bonjour {values['first_name']},\n\n"
            f"Nous avons bien reçu votre demande d'inscription à l'action « {action.title} » :\n"
            f"{lines}\n\n"
            "L'organisateur de l'action vous contactera pour la suite. Si vous ne pouvez plus "
            "venir, prévenez-le en répondant à son message.\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n"
            "PLIE Connect – Actions"
        ),
    )


def _record_attempt(db: DbSession, *, client: str, email: str, action_id: int) -> bool:
    """Count then record the attempt, in one transaction; True when the email is over its limit.

    Beyond the address's limit, TooManyAttempts is raised and nothing is recorded.
    """
    settings = get_settings()
    since = now() - timedelta(minutes=settings.self_registration_window_minutes)
    client_hash, email_hash = keyed_hash(f"client:{client}"), keyed_hash(email)
    _lock_attempts(db, client_hash, email_hash)
    column = SelfRegistrationAttempt.client_hash
    if _count_recent(db, column, client_hash, since) >= settings.self_registration_per_address:
        log.warning("self_registration_refused reason=address_limit action=%s", action_id)
        raise TooManyAttempts(TOO_MANY_ATTEMPTS)
    column = SelfRegistrationAttempt.email_hash
    email_limited = (
        _count_recent(db, column, email_hash, since) >= settings.self_registration_per_email
    )
    db.add(SelfRegistrationAttempt(client_hash=client_hash, email_hash=email_hash))
    db.commit()
    return email_limited


def register_self(
    db: DbSession, *, action_id: int, data: SelfRegistrationInput, client: str
) -> str:
    """Register a "candidat libre"; the message returned is the same for everyone.

    The attempt is committed first, on its own: a limit must count the attempts that fail
    later (a full session, a closed deadline) as well as those that succeed.
    """
    action = db.get(Action, action_id)
    if action is None or not action.is_published_on(today_in_paris()):
        raise NotFound("Cette action n'existe pas ou n'est plus publiée.")
    if not action.allows_self_registration:
        raise NotAllowed(NOT_OPEN_TO_SELF_REGISTRATION)
    values = _validated(db, action, data)

    if _record_attempt(db, client=client, email=values["email"], action_id=action_id):
        # Answered as usual, but nothing is written and no email leaves: a stranger cannot
        # flood someone's inbox, nor learn from a refusal that the address was used.
        log.warning("self_registration_ignored reason=email_limit action=%s", action_id)
        return RECEIVED

    sessions = _open_sessions(db, action, data.session_ids)
    last_key, first_key = search_key(values["last_name"]), search_key(values["first_name"])
    _serialise_identity(db, f"{last_key}|{first_key}|{values['birth_date']:%Y-%m-%d}")
    # A known person's row stays locked until the commit, as a prescriber sending a draft for
    # them locks it: of the two, the second sees the registration the first made.
    candidate = db.exec(
        select(Candidate)
        .where(
            Candidate.last_name_key == last_key,
            Candidate.first_name_key == first_key,
            Candidate.birth_date == values["birth_date"],
        )
        .order_by(Candidate.id)
        .with_for_update()
    ).first()
    if candidate is not None and _running_registration(
        db, candidate_id=candidate.id, action_id=action.id
    ):
        _queue_receipt(db, action, sessions, values)
        db.commit()
        log.info("self_registration_repeated action=%s candidate=%s", action_id, candidate.id)
        return RECEIVED

    if candidate is None:
        candidate = Candidate(
            last_name=values["last_name"],
            first_name=values["first_name"],
            birth_date=values["birth_date"],
            last_name_key=last_key,
            first_name_key=first_key,
            phone=values["phone"],
            email=values["email"],
        )
        db.add(candidate)
        db.flush()
    registration = _create_registration(db, action, candidate, sessions)
    # Stored as a prescriber's answers are (same tables, same checks), by nobody signed in.
    answers = _answers(db, action, data)
    write_answers(
        db,
        registration,
        action,
        FormAnswers(eligibility=answers.eligibility, questions=answers.questions),
        store=FileStore(),
        by=None,
    )
    db.add(
        SelfRegistration(
            registration_id=registration.id,
            email=values["email"],
            phone=values["phone"],
            consent_notice_version=NOTICE_VERSION,
        )
    )
    _queue_receipt(db, action, sessions, values)
    db.commit()
    log.info("self_registration_saved registration=%s action=%s", registration.id, action_id)
    return RECEIVED


def _create_registration(
    db: DbSession, action: Action, candidate: Candidate, sessions: list[Session]
) -> Registration:
    """Sent at once to the organisers, holding a place in each session."""
    moment = now()
    registration = Registration(
        action_id=action.id,
        candidate_id=candidate.id,
        prescriber_id=None,
        is_self_registered=True,
        status=S.PENDING,
        submitted_at=moment,
    )
    db.add(registration)
    db.flush()
    for session in sessions:
        db.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
        take_session_place(db, session=session)
    db.add(
        StatusChange(
            registration_id=registration.id,
            to_status=S.PENDING,
            comment="Inscription par le candidat lui-même (candidat libre)",
        )
    )
    if action.auto_validate:
        # "Validé" holds a place as "En attente" does: the places taken above stay taken.
        registration.status = S.VALIDATED
        db.add(
            StatusChange(
                registration_id=registration.id,
                from_status=S.PENDING,
                to_status=S.VALIDATED,
                comment="Validation automatique de l'action",
            )
        )
    return registration


def contact_of(db: DbSession, *, registration_id: int) -> SelfRegistration | None:
    """What a self-registered candidate typed to be reached, for the organisers."""
    return db.exec(
        select(SelfRegistration).where(SelfRegistration.registration_id == registration_id)
    ).first()
