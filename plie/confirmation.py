"""The confirmation email of a registration sent for good, to each of its prescribers."""

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import format_datetime, format_span
from plie.models import Action, Candidate, CoPrescriber, Professional, Registration
from plie.notifications import queue_email
from plie.recruitment import chosen_slots
from plie.registration_rules import registration_sessions
from plie.settings import get_settings


def registration_link(registration_id: int) -> str:
    return f"{get_settings().base_url}/inscription?id={registration_id}"


def prescriber_ids(db: DbSession, registration: Registration) -> list[int]:
    """The registration's prescriber first, then its co-prescribers."""
    co_ids = db.exec(
        select(CoPrescriber.professional_id)
        .where(CoPrescriber.registration_id == registration.id)
        .order_by(CoPrescriber.id)
    ).all()
    main = [registration.prescriber_id] if registration.prescriber_id else []
    return list(dict.fromkeys([*main, *co_ids]))


def confirmation_body(db: DbSession, registration: Registration) -> str:
    action = db.get(Action, registration.action_id)
    candidate = db.get(Candidate, registration.candidate_id)
    sessions = "\n".join(
        f"- {session.label} : {format_span(session.starts_at, session.ends_at)}, "
        f"{session.place_name} {session.address}".rstrip()
        for session in registration_sessions(db, registration.id)
    )
    slots = chosen_slots(db, registration.id)
    meetings = "".join(
        f"- {employer.name} : {format_datetime(slot.starts_at)}\n" for slot, employer in slots
    )
    if meetings:
        meetings = f"Employeurs et créneaux choisis :\n{meetings}\n"
    return (
        "Bonjour,\n\n"
        f"L'inscription de {candidate.display_name} à l'action « {action.title} » est "
        f"enregistrée définitivement. Son état : {registration.status.label}.\n\n"
        f"Sessions :\n{sessions}\n\n"
        f"{meetings}"
        f"Retrouvez l'inscription : {registration_link(registration.id)}\n\n"
        "PLIE Connect – Actions"
    )


def queue_confirmation(db: DbSession, registration: Registration) -> None:
    """One email per prescriber and registration: its key makes a second one impossible."""
    action = db.get(Action, registration.action_id)
    body = confirmation_body(db, registration)
    for professional_id in prescriber_ids(db, registration):
        professional = db.get(Professional, professional_id)
        queue_email(
            db,
            key=f"registration-submitted:{registration.id}:{professional_id}",
            to_address=professional.email,
            subject=f"Inscription enregistrée : {action.title}",
            body=body,
        )
