"""Registrations: saving, submitting, changing state, deleting, unregistering.

Each public function is one unit of work: it checks who is asking, applies the rules, records
the history and the emails, and commits once.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.confirmation import prescriber_ids, queue_confirmation, registration_link
from plie.dates import format_datetime, now, today_in_paris
from plie.documents import FileStore, remove_file
from plie.enums import PLACE_HOLDING_STATUSES, RegistrationStatus
from plie.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    RegistrationClosed,
    TransitionRefused,
)
from plie.models import (
    Action,
    Candidate,
    CoPrescriber,
    Document,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    StatusChange,
)
from plie.notifications import queue_email
from plie.permissions import Operation, is_prescriber_of, require, require_prescriber
from plie.places import give_back_session_place, take_session_place
from plie.recruitment import give_back_slot_places, take_slot_places
from plie.registration_edits import FormAnswers, require_complete, write_answers
from plie.registration_rules import ENDED_STATUSES, load_for_update, registration_sessions
from plie.review_lock import ensure_registration_unlocked, ensure_sessions_unlocked
from plie.text import counted

log = logging.getLogger(__name__)

S = RegistrationStatus


class Actor(StrEnum):
    PRESCRIBER = "prescriber"
    ORGANISER = "organiser"
    AUTOMATIC = "automatic"


SUBMITTED_STATUSES = frozenset(S) - {S.DRAFT}


def _allowed_transitions() -> dict[tuple[S, S], frozenset[Actor]]:
    """The one table of allowed changes: (from, to) -> who may make it.

    A prescriber sends a draft, and may unregister a candidate whose registration still runs;
    an action that validates automatically validates what is sent to it; the action's
    organisers move a sent registration to any other state of the guide.
    """
    table: dict[tuple[S, S], set[Actor]] = defaultdict(set)
    table[(S.DRAFT, S.PENDING)].add(Actor.PRESCRIBER)
    table[(S.PENDING, S.VALIDATED)].add(Actor.AUTOMATIC)
    for source in SUBMITTED_STATUSES:
        for target in SUBMITTED_STATUSES - {source}:
            table[(source, target)].add(Actor.ORGANISER)
    for source in SUBMITTED_STATUSES - ENDED_STATUSES - {S.UNREGISTERED}:
        table[(source, S.UNREGISTERED)].add(Actor.PRESCRIBER)
    return {pair: frozenset(actors) for pair, actors in table.items()}


ALLOWED_TRANSITIONS = _allowed_transitions()


def can_transition(source: S, target: S, actor: Actor) -> bool:
    return actor in ALLOWED_TRANSITIONS.get((source, target), frozenset())


@dataclass
class BulkResult:
    """What a change of several registrations did: the ones changed and why others were not."""

    changed: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)


_registration_sessions = registration_sessions


def _transition(
    db: DbSession,
    registration: Registration,
    target: S,
    *,
    actor: Actor,
    by: int | None,
    comment: str = "",
    reason: str | None = None,
) -> None:
    """Change the state if the table allows it, taking or giving back places, and record it."""
    ensure_registration_unlocked(db, registration_id=registration.id)
    source = registration.status
    if not can_transition(source, target, actor):
        raise TransitionRefused(
            f"Une inscription à l'état « {source.label} » ne peut pas passer "
            f"à l'état « {target.label} »."
        )

    held, will_hold = source in PLACE_HOLDING_STATUSES, target in PLACE_HOLDING_STATUSES
    if will_hold and not held:
        for session in _registration_sessions(db, registration.id):
            take_session_place(db, session=session)
        take_slot_places(db, registration)
    elif held and not will_hold:
        for session in _registration_sessions(db, registration.id):
            give_back_session_place(db, session_id=session.id)
        give_back_slot_places(db, registration.id)

    registration.status = target
    registration.updated_at = now()
    if actor is Actor.ORGANISER and registration.processed_at is None:
        registration.processed_at = registration.updated_at
    db.add(registration)
    db.add(
        StatusChange(
            registration_id=registration.id,
            from_status=source,
            to_status=target,
            by_id=by,
            comment=comment.strip()[:1000],
            reason=reason,
        )
    )
    log.info("registration=%s status=%s->%s by=%s", registration.id, source, target, by)


def _check_open(sessions: list[Session]) -> None:
    today = today_in_paris()
    for session in sessions:
        if not session.is_open_on(today):
            raise RegistrationClosed(
                f"Les inscriptions à la session « {session.label} » sont closes depuis le "
                f"{session.registration_deadline:%d/%m/%Y}."
            )


def _load_registration(db: DbSession, registration_id: int) -> Registration:
    registration = db.get(Registration, registration_id)
    if registration is None:
        raise NotFound("Cette inscription n'existe pas ou a été supprimée.")
    return registration


_prescriber_ids = prescriber_ids

ALREADY_RUNNING_OWN = (
    "Ce candidat a déjà une inscription en cours sur cette action : "
    "retrouvez-la dans « Mes candidats » pour la compléter."
)
ALREADY_RUNNING_ELSEWHERE = (
    "Ce candidat a déjà une inscription en cours sur cette action, suivie par un autre "
    "prescripteur : voyez avec l'organisateur de l'action."
)
ALREADY_SELF_REGISTERED = (
    "Cette personne s'est déjà inscrite elle-même à cette action : voyez avec l'organisateur "
    "de l'action."
)


def _already_running(db: DbSession, running: Registration, *, by: int) -> str:
    """Why a candidate cannot have a second running registration on the action, saying no more
    than the prescriber needs: someone else's registration is not theirs to open."""
    if is_prescriber_of(db, professional_id=by, registration=running):
        return ALREADY_RUNNING_OWN
    if running.is_self_registered:
        return ALREADY_SELF_REGISTERED
    return ALREADY_RUNNING_ELSEWHERE


def _refuse_if_sent_elsewhere(db: DbSession, registration: Registration, *, by: int) -> None:
    """A draft is not sent while the organisers already have the candidate on the action.

    A draft holds no place and the organisers never see it, so the person may meanwhile have
    registered themself from the public agenda (plie.self_registration ignores drafts). The
    candidate's row is locked first, as a self-registration of the same person locks it: of
    the two, the second one sees the other's registration.
    """
    _lock_candidate(db, registration.candidate_id)
    running = db.exec(
        select(Registration).where(
            Registration.action_id == registration.action_id,
            Registration.candidate_id == registration.candidate_id,
            Registration.id != registration.id,
            Registration.status.not_in([*ENDED_STATUSES, S.DRAFT]),
        )
    ).first()
    if running is not None:
        raise DomainError(_already_running(db, running, by=by))


def _submit(db: DbSession, registration: Registration, action: Action, *, by: int) -> None:
    sessions = _registration_sessions(db, registration.id)
    _check_open(sessions)
    require_complete(db, registration, action)
    _transition(db, registration, S.PENDING, actor=Actor.PRESCRIBER, by=by)
    registration.submitted_at = registration.updated_at
    if action.auto_validate:
        _transition(
            db,
            registration,
            S.VALIDATED,
            actor=Actor.AUTOMATIC,
            by=None,
            comment="Validation automatique de l'action",
        )
    queue_confirmation(db, registration)


def _lock_candidate(db: DbSession, candidate_id: int) -> Candidate:
    """Registrations of one candidate are made one at a time (the row stays locked)."""
    candidate = db.exec(
        select(Candidate).where(Candidate.id == candidate_id).with_for_update()
    ).first()
    if candidate is None:
        raise NotFound("Ce candidat n'existe pas ou plus.")
    return candidate


def save_registration(
    db: DbSession,
    *,
    by: int,
    action_id: int,
    candidate_id: int,
    session_ids: list[int],
    submit: bool,
    answers: FormAnswers | None = None,
    form_token: str | None = None,
) -> Registration:
    """A new registration over the sessions ticked, with the form's answers and files: a draft,
    or sent to the organisers.

    The same `form_token` twice (a double click) gives back the registration made the first
    time: one registration, one confirmation email.
    """
    action = db.get(Action, action_id)
    if action is None or not action.is_published_on(today_in_paris()):
        raise NotFound("Cette action n'est pas publiée : on ne peut pas s'y inscrire.")
    _lock_candidate(db, candidate_id)
    if form_token:
        earlier = db.exec(select(Registration).where(Registration.form_token == form_token)).first()
        if earlier is not None and earlier.prescriber_id == by:
            db.rollback()
            return earlier
    if not session_ids:
        raise InvalidInput({"sessions": "Cochez au moins une session pour inscrire le candidat."})
    sessions = list(
        db.exec(select(Session).where(Session.id.in_(session_ids), Session.action_id == action_id))
    )
    if len(sessions) != len(set(session_ids)):
        raise NotFound("Une des sessions cochées n'appartient pas à cette action.")
    _check_open(sessions)
    ensure_sessions_unlocked(db, session_ids=[session.id for session in sessions])

    running = db.exec(
        select(Registration).where(
            Registration.action_id == action_id,
            Registration.candidate_id == candidate_id,
            Registration.status.not_in(list(ENDED_STATUSES)),
        )
    ).first()
    if running is not None:
        raise DomainError(_already_running(db, running, by=by))

    store = FileStore()
    try:
        registration = Registration(
            action_id=action_id, candidate_id=candidate_id, prescriber_id=by, form_token=form_token
        )
        db.add(registration)
        db.flush()
        for session in sessions:
            db.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
        db.add(StatusChange(registration_id=registration.id, to_status=S.DRAFT, by_id=by))
        db.flush()
        write_answers(db, registration, action, answers or FormAnswers(), store=store, by=by)
        if submit:
            _submit(db, registration, action, by=by)
        db.commit()
    except IntegrityError:
        # Another request with the same token got there first: give back its registration.
        db.rollback()
        store.rollback()
        earlier = db.exec(select(Registration).where(Registration.form_token == form_token)).first()
        if form_token and earlier is not None and earlier.prescriber_id == by:
            return earlier
        raise
    except BaseException:
        db.rollback()
        store.rollback()
        raise
    log.info("registration_saved registration=%s action=%s by=%s", registration.id, action_id, by)
    return registration


def submit_registration(db: DbSession, *, by: int, registration_id: int) -> Registration:
    """Send a draft to the organisers: it then holds a place in each of its sessions."""
    registration = load_for_update(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    if registration.status is not S.DRAFT:
        raise TransitionRefused("Cette inscription est déjà enregistrée définitivement.")
    _refuse_if_sent_elsewhere(db, registration, by=by)
    _submit(db, registration, db.get(Action, registration.action_id), by=by)
    db.commit()
    return registration


def can_delete(registration: Registration) -> bool:
    """Until an organiser has processed it, a registration can still be deleted."""
    return registration.processed_at is None and registration.status in (S.DRAFT, S.PENDING)


def delete_registration(db: DbSession, *, by: int, registration_id: int) -> None:
    """Delete a registration that no organiser has processed yet, giving its places back."""
    registration = load_for_update(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    if not can_delete(registration):
        raise TransitionRefused(
            "Cette inscription a déjà été traitée par l'organisateur : elle ne peut plus être "
            "supprimée. Vous pouvez désinscrire le candidat."
        )
    ensure_registration_unlocked(db, registration_id=registration.id)

    if registration.status in PLACE_HOLDING_STATUSES:
        for session in _registration_sessions(db, registration.id):
            give_back_session_place(db, session_id=session.id)
        give_back_slot_places(db, registration.id)
    for co in db.exec(select(CoPrescriber).where(CoPrescriber.registration_id == registration.id)):
        db.delete(co)
    files = db.exec(
        select(Document.stored_name).where(Document.registration_id == registration.id)
    ).all()
    db.delete(registration)
    db.commit()
    for stored_name in files:
        remove_file(stored_name)
    log.info("registration_deleted registration=%s by=%s", registration_id, by)


MAX_COMMENT = 1000  # StatusChange.comment


def check_comment(comment: str) -> None:
    """A state change's comment fits its column (PostgreSQL refuses longer, SQLite keeps it)."""
    if len(comment or "") > MAX_COMMENT:
        raise InvalidInput(
            {"comment": f"Le commentaire ne peut dépasser {MAX_COMMENT} caractères."}
        )


def unregister(db: DbSession, *, by: int, registration_id: int, comment: str = "") -> Registration:
    """ "Se désinscrire": the prescriber ends a registration that an organiser has processed."""
    check_comment(comment)
    registration = _load_registration(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    _transition(db, registration, S.UNREGISTERED, actor=Actor.PRESCRIBER, by=by, comment=comment)
    db.commit()
    return registration


def change_status(
    db: DbSession,
    *,
    by: int,
    registration_ids: list[int],
    to_status: S,
    comment: str = "",
    reason: str | None = None,
) -> BulkResult:
    """An organiser sets the state of one or several registrations.

    Each registration changes entirely or not at all; those that cannot (no place left, a
    change the table forbids) are named in the result with the reason, and the others change.
    The prescribers get one email each for the whole change.
    """
    check_comment(comment)
    result = BulkResult()
    changed_by_prescriber: dict[int, list[Registration]] = defaultdict(list)
    checked_actions: set[int] = set()

    for registration_id in dict.fromkeys(registration_ids):
        registration = db.get(Registration, registration_id)
        if registration is None or registration.status is S.DRAFT:
            result.refused[registration_id] = "Cette inscription n'existe pas ou n'est pas envoyée."
            continue
        if registration.action_id not in checked_actions:
            require(
                db,
                professional_id=by,
                action_id=registration.action_id,
                operation=Operation.CHANGE_STATUS,
            )
            checked_actions.add(registration.action_id)
        if registration.status is to_status:
            continue
        try:
            with db.begin_nested():
                _transition(
                    db,
                    registration,
                    to_status,
                    actor=Actor.ORGANISER,
                    by=by,
                    comment=comment,
                    reason=reason,
                )
        except DomainError as error:
            db.refresh(registration)
            result.refused[registration_id] = error.message
            continue
        result.changed.append(registration_id)
        for professional_id in _prescriber_ids(db, registration):
            changed_by_prescriber[professional_id].append(registration)

    batch = uuid.uuid4().hex
    for professional_id, registrations in changed_by_prescriber.items():
        note = f"Motif : {reason}. {comment.strip()}".strip() if reason else comment
        _queue_status_email(db, professional_id, registrations, to_status, note, batch)
    db.commit()
    return result


def _queue_status_email(
    db: DbSession,
    professional_id: int,
    registrations: list[Registration],
    to_status: S,
    comment: str,
    batch: str,
) -> None:
    professional = db.get(Professional, professional_id)
    lines = []
    for registration in registrations:
        candidate = db.get(Candidate, registration.candidate_id)
        action = db.get(Action, registration.action_id)
        lines.append(
            f"- {candidate.display_name}, « {action.title} » : {to_status.label} "
            f"({registration_link(registration.id)})"
        )
    note = f"\nCommentaire de l'organisateur : {comment.strip()}\n" if comment.strip() else ""
    queue_email(
        db,
        key=f"status-change:{batch}:{professional_id}",
        to_address=professional.email,
        subject=f"Changement d'état de {counted(len(registrations), 'inscription')}",
        body=(
            "Bonjour,\n\nL'organisateur a mis à jour les inscriptions suivantes le "
            f"{format_datetime(now())} :\n"
            + "\n".join(lines)
            + "\n"
            + note
            + "\nPLIE Connect – Actions"
        ),
    )
