"""Changing a registration after its first save: answers, files and sessions.

The answers (eligibility, the action's questions) may change at any time while the registration
runs; once it is sent they must stay complete. A self-registration arrives without the files and
the Viesion link: its organisers complete it with the candidate, step by step, and a save may
leave missing what was missing, never take away what was given. Sessions can be added at any time
while open for registration, and removed only until the organisers validate.
"""

import logging
from dataclasses import dataclass, field

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import eligibility, questions
from plie.dates import now, today_in_paris
from plie.documents import FileStore, Upload
from plie.enums import PLACE_HOLDING_STATUSES, RegistrationStatus
from plie.errors import InvalidInput, NotFound, RegistrationClosed
from plie.models import Action, Registration, RegistrationSession, RegistrationSlot, Session
from plie.permissions import require_answers_editor, require_prescriber
from plie.places import give_back_session_place, take_session_place
from plie.recruitment import give_back_slot_places
from plie.registration_rules import (
    load_for_update,
    registration_sessions,
    require_choices_open,
    require_running,
)

log = logging.getLogger(__name__)


@dataclass
class FormAnswers:
    """What the form answered (the prescriber's, or the candidate's public one); files given
    replace the former ones."""

    eligibility: dict = field(default_factory=dict)
    eligibility_files: dict[str, Upload | None] = field(default_factory=dict)
    questions: dict[int, object] = field(default_factory=dict)
    question_files: dict[int, Upload | None] = field(default_factory=dict)


def write_answers(
    db: DbSession,
    registration: Registration,
    action: Action,
    answers: FormAnswers,
    *,
    store: FileStore,
    by: int | None,
) -> None:
    """Both parts of the form, each checked; the messages of both are given together.

    `by` is None when the candidate answered, through the public form.
    """
    errors = {}
    try:
        eligibility.write_answers(
            db,
            registration,
            action.eligibility_scheme,
            answers.eligibility,
            answers.eligibility_files,
            store=store,
            by=by,
        )
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        questions.write_answers(
            db,
            registration_id=registration.id,
            action_id=action.id,
            answers=answers.questions,
            files=answers.question_files,
            store=store,
            by=by,
        )
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)


def missing_answers(db: DbSession, registration: Registration, action: Action) -> dict[str, str]:
    """Every required answer still missing, for sending the registration."""
    scheme = action.eligibility_scheme
    asks_files = eligibility.asks_files(scheme)
    documents = set(eligibility.stored_documents(db, registration.id)) if asks_files else set()
    missing = eligibility.missing_answers(
        scheme, eligibility.stored_answers(db, registration.id), documents
    )
    missing.update(
        questions.missing_answers(db, registration_id=registration.id, action_id=action.id)
    )
    return missing


def require_complete(
    db: DbSession, registration: Registration, action: Action, *, still_missing=frozenset()
) -> None:
    """Raise InvalidInput for every required answer missing, but those in `still_missing`."""
    missing = {
        code: message
        for code, message in missing_answers(db, registration, action).items()
        if code not in still_missing
    }
    if missing:
        raise InvalidInput(missing)


def save_answers(
    db: DbSession, *, by: int, registration_id: int, answers: FormAnswers
) -> Registration:
    """Update the answers and files at any time while the registration runs.

    Its prescribers do; on a self-registration, the action's pilot and copilots.
    """
    registration = load_for_update(db, registration_id)
    require_answers_editor(db, professional_id=by, registration=registration)
    require_running(registration)
    action = db.get(Action, registration.action_id)
    still_missing = (
        set(missing_answers(db, registration, action)) if registration.is_self_registered else set()
    )

    store = FileStore()
    try:
        write_answers(db, registration, action, answers, store=store, by=by)
        if registration.status is not RegistrationStatus.DRAFT:
            require_complete(db, registration, action, still_missing=still_missing)
        registration.updated_at = now()
        db.add(registration)
        db.commit()
    except BaseException:
        db.rollback()
        store.rollback()
        raise
    store.committed()
    log.info("answers_saved registration=%s by=%s", registration_id, by)
    return registration


def set_sessions(
    db: DbSession, *, by: int, registration_id: int, session_ids: list[int]
) -> Registration:
    """The sessions ticked: new open ones are added at any time, others removed until validated."""
    registration = load_for_update(db, registration_id)
    require_prescriber(db, professional_id=by, registration=registration)
    require_running(registration)
    wanted = set(session_ids)
    if not wanted:
        raise InvalidInput({"sessions": "Cochez au moins une session pour inscrire le candidat."})
    current = {session.id: session for session in registration_sessions(db, registration_id)}
    added = list(
        db.exec(
            select(Session).where(
                Session.id.in_(wanted - set(current)),
                Session.action_id == registration.action_id,
            )
        )
    )
    if len(added) != len(wanted - set(current)):
        raise NotFound("Une des sessions cochées n'appartient pas à cette action.")
    removed = [session for session_id, session in current.items() if session_id not in wanted]
    if removed:
        require_choices_open(registration)

    today = today_in_paris()
    holds = registration.status in PLACE_HOLDING_STATUSES
    for session in added:
        if not session.is_open_on(today):
            raise RegistrationClosed(
                f"Les inscriptions à la session « {session.label} » sont closes depuis le "
                f"{session.registration_deadline:%d/%m/%Y}."
            )
        if holds:
            take_session_place(db, session=session)
        db.add(RegistrationSession(registration_id=registration_id, session_id=session.id))
    for session in removed:
        if holds:
            give_back_session_place(db, session_id=session.id)
            give_back_slot_places(db, registration_id, session.id)
        for row in db.exec(
            select(RegistrationSlot).where(
                RegistrationSlot.registration_id == registration_id,
                RegistrationSlot.session_id == session.id,
            )
        ):
            db.delete(row)
        link = db.exec(
            select(RegistrationSession).where(
                RegistrationSession.registration_id == registration_id,
                RegistrationSession.session_id == session.id,
            )
        ).one()
        db.delete(link)
    if not added and not removed:
        return registration
    registration.updated_at = now()
    db.add(registration)
    db.commit()
    log.info(
        "sessions_changed registration=%s added=%s removed=%s by=%s",
        registration_id,
        len(added),
        len(removed),
        by,
    )
    return registration
