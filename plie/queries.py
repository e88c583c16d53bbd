"""The read side: the lists and counts that the pages show, each in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit
from plie.candidates import CandidateDetails, details_of, mask_email, mask_phone
from plie.dates import format_date, format_datetime, format_span, now
from plie.enums import MemberRole, RegistrationStatus
from plie.errors import NotAllowed, NotFound
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    CoPrescriber,
    Employer,
    OutboxEmail,
    Professional,
    Registration,
    RegistrationSession,
    SelfRegistration,
    Session,
    Slot,
    StatusChange,
    Structure,
)
from plie.permissions import (
    REGISTRATION_PERMISSIONS,
    REGISTRATION_REFUSALS,
    Operation,
    RegistrationOperation,
    Relation,
    may,
    organiser_role,
    relation_to,
    require,
)
from plie.registrations import can_delete
from plie.review_views import published_lines

SENT = RegistrationStatus.DRAFT


@dataclass
class SessionView:
    id: int
    label: str
    kind: str
    when: str
    place_name: str
    address: str
    capacity: int
    places_left: int
    deadline: str
    is_open: bool


ALL_SESSIONS_CLOSED = (
    "Toutes les sessions sont complètes ou closes : inscription directe impossible."
)
NO_SESSION_OPEN = (
    "Toutes les sessions sont complètes ou closes : aucun candidat ne peut y être inscrit "
    "pour le moment."
)


@dataclass
class ActionView:
    action: Action
    pilot: str
    partners: list[str]
    sessions: list[SessionView]
    employers: list[dict]

    @property
    def has_open_session(self) -> bool:
        """Whether at least one session still takes registrations (places left, not closed)."""
        return any(session.is_open for session in self.sessions)


def _session_view(session: Session, today: date) -> SessionView:
    return SessionView(
        id=session.id,
        label=session.label,
        kind=session.kind.label,
        when=format_span(session.starts_at, session.ends_at),
        place_name=session.place_name,
        address=session.address,
        capacity=session.capacity,
        places_left=session.places_left,
        deadline=format_date(session.registration_deadline),
        is_open=session.is_open_on(today) and session.places_left > 0,
    )


def agenda(db: DbSession, *, today: date) -> list[tuple[Action, list[SessionView]]]:
    """Published actions with a session still to come, soonest first."""
    rows = db.exec(
        select(Action, Session)
        .join(Session, Session.action_id == Action.id)
        .where(
            Action.publication_start <= today,
            Action.publication_end >= today,
            Session.ends_at >= now(),
        )
        .order_by(Session.starts_at)
    ).all()
    by_action: dict[int, tuple[Action, list[SessionView]]] = {}
    for action, session in rows:
        by_action.setdefault(action.id, (action, []))[1].append(_session_view(session, today))
    return list(by_action.values())


def action_view(db: DbSession, *, action_id: int, today: date) -> ActionView:
    """An action as its public page shows it, with the places left in each upcoming session."""
    action = db.get(Action, action_id)
    if action is None or not action.is_published_on(today):
        raise NotFound("Cette action n'existe pas ou n'est plus publiée.")

    members = db.exec(
        select(ActionMember.role, Professional, Structure.name)
        .join(Professional, Professional.id == ActionMember.professional_id)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(ActionMember.action_id == action_id)
    ).all()
    pilot = next(
        (
            f"{p.first_name} {p.last_name} - {s or ''}"
            for r, p, s in members
            if r is MemberRole.PILOT
        ),
        "",
    )
    partners = sorted({s or p.display_name for r, p, s in members if r is MemberRole.PARTNER})

    sessions = db.exec(
        select(Session)
        .where(Session.action_id == action_id, Session.ends_at >= now())
        .order_by(Session.starts_at)
    ).all()
    employers = db.exec(
        select(Employer, Slot)
        .join(Slot, Slot.employer_id == Employer.id)
        .where(Employer.session_id.in_([s.id for s in sessions]))
        .order_by(Employer.name, Slot.starts_at)
    ).all()
    employer_rows = [
        {
            "session_id": employer.session_id,
            "employer_id": employer.id,
            "Employeur": employer.name,
            "Offres": employer.job_offers,
            "slot_id": slot.id,
            "Créneau": format_datetime(slot.starts_at),
            "Places restantes": slot.places_left,
        }
        for employer, slot in employers
    ]
    return ActionView(
        action=action,
        pilot=pilot,
        partners=partners,
        sessions=[_session_view(s, today) for s in sessions],
        employers=employer_rows,
    )


def _sessions_by_registration(db: DbSession, registration_ids: list[int]) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = defaultdict(list)
    if not registration_ids:
        return labels
    rows = db.exec(
        select(RegistrationSession.registration_id, Session.label)
        .join(Session, Session.id == RegistrationSession.session_id)
        .where(RegistrationSession.registration_id.in_(registration_ids))
        .order_by(Session.starts_at)
    ).all()
    for registration_id, label in rows:
        labels[registration_id].append(label)
    return labels


def _followed_by(professional_id: int):
    """Registrations whose prescriber or co-prescriber the professional is."""
    co = select(CoPrescriber.registration_id).where(CoPrescriber.professional_id == professional_id)
    return or_(Registration.prescriber_id == professional_id, Registration.id.in_(co))


def my_candidates(
    db: DbSession, *, professional_id: int, action_id: int | None = None
) -> list[dict]:
    """'Mes candidats': one line per registration and session that the professional follows.

    Présence, Suite donnée and the follow-ups come from the session's review once it is locked.
    """
    query = (
        select(Registration, Candidate, Action.title, Session.label, Session.id)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .join(Action, Action.id == Registration.action_id)
        .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
        .join(Session, Session.id == RegistrationSession.session_id)
        .where(_followed_by(professional_id))
        .order_by(Candidate.last_name_key, Candidate.first_name_key, Session.starts_at)
    )
    if action_id is not None:
        query = query.where(Registration.action_id == action_id)
    rows = db.exec(query).all()
    reviews = published_lines(db, keys=[(r.id, session_id) for r, *_, session_id in rows])
    lines = []
    for registration, candidate, title, label, session_id in rows:
        review = reviews.get((registration.id, session_id))
        lines.append(
            {
                "registration_id": registration.id,
                "session_id": session_id,
                "Candidat": candidate.display_name,
                "Inscription": title,
                "Session": label,
                "Etat": registration.status.label,
                "Présence": review.attendance if review else "",
                "Suite donnée": review.outcome_summary if review else "",
                "Suivi 1 mois": review.follow_ups.get(1, "") if review else "",
                "Suivi 3 mois": review.follow_ups.get(3, "") if review else "",
                "Bilan": "Consulter le bilan" if review else "",
            }
        )
    return lines


def organised_actions(db: DbSession, *, professional_id: int) -> list[dict]:
    """'Mes actions en tant qu'organisateur', with the number of registrations sent to each."""
    sent = (
        select(Registration.action_id, func.count(Registration.id).label("sent"))
        .where(Registration.status != RegistrationStatus.DRAFT)
        .group_by(Registration.action_id)
        .subquery()
    )
    rows = db.exec(
        select(Action, ActionMember.role, func.coalesce(sent.c.sent, 0))
        .join(ActionMember, ActionMember.action_id == Action.id)
        .outerjoin(sent, sent.c.action_id == Action.id)
        .where(ActionMember.professional_id == professional_id)
        .order_by(Action.publication_start.desc(), Action.title)
    ).all()
    return [
        {
            "action_id": action.id,
            "Libellé": action.title,
            "Type": action.action_type.label,
            "Rôle": role.label,
            "Publication": f"{format_date(action.publication_start)} - "
            f"{format_date(action.publication_end)}",
            "Inscrits": count,
        }
        for action, role, count in rows
    ]


def prescribed_actions(db: DbSession, *, professional_id: int) -> list[dict]:
    """'Les actions sur lesquelles j'ai inscrit des candidats'."""
    rows = db.exec(
        select(Action, func.count(Registration.id))
        .join(Registration, Registration.action_id == Action.id)
        .where(_followed_by(professional_id))
        .group_by(Action.id)
        .order_by(Action.title)
    ).all()
    return [
        {
            "action_id": action.id,
            "Libellé": action.title,
            "Type": action.action_type.label,
            "Eligibilité": action.eligibility_scheme.label,
            "Inscrits": count,
        }
        for action, count in rows
    ]


def action_registrations(db: DbSession, *, by: int, action_id: int) -> list[dict]:
    """The registrations sent to an action, for its organisers' triage table."""
    require(db, professional_id=by, action_id=action_id, operation=Operation.VIEW_REGISTRATIONS)
    rows = db.exec(
        select(Registration, Candidate, Professional, Structure.name)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .outerjoin(Professional, Professional.id == Registration.prescriber_id)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(Registration.action_id == action_id, Registration.status != SENT)
        .order_by(Registration.submitted_at)
    ).all()
    sessions = _sessions_by_registration(db, [r.id for r, *_ in rows])
    return [
        {
            "registration_id": registration.id,
            "Candidat": candidate.display_name,
            "Né(e) le": format_date(candidate.birth_date),
            "Prescripteur": prescriber.display_name if prescriber else "Candidat libre",
            "Structure": structure or "",
            "Sessions": ", ".join(sessions[registration.id]),
            "Etat": registration.status.label,
            "Envoyée le": format_datetime(registration.submitted_at),
        }
        for registration, candidate, prescriber, structure in rows
    ]


def status_counts(db: DbSession, *, action_id: int) -> dict[str, int]:
    rows = db.exec(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.action_id == action_id, Registration.status != SENT)
        .group_by(Registration.status)
    ).all()
    return {status.label: count for status, count in rows}


def action_sessions(db: DbSession, *, action_id: int, today: date) -> list[SessionView]:
    sessions = db.exec(
        select(Session).where(Session.action_id == action_id).order_by(Session.starts_at)
    ).all()
    return [_session_view(session, today) for session in sessions]


@dataclass
class RegistrationView:
    registration: Registration
    # Masked for a professional who may not read the person's details (plie.candidates).
    candidate: CandidateDetails
    action: Action
    sessions: list[SessionView]
    history: list[dict]
    may_delete: bool
    may_unregister: bool
    is_prescriber: bool
    is_organiser: bool = False
    prescribers: list[str] = field(default_factory=list)
    # A self-registration that this organiser completes with the candidate (answers, files).
    may_complete: bool = False
    # What a "candidat libre" typed to be reached ("phone · email"), masked as the candidate.
    self_contact: str = ""


def registration_view(
    db: DbSession, *, by: int, registration_id: int, today: date
) -> RegistrationView:
    """A registration as its prescribers and its action's organisers may see it."""
    registration = db.get(Registration, registration_id)
    if registration is None:
        raise NotFound("Cette inscription n'existe pas ou a été supprimée.")
    relation = relation_to(db, professional_id=by, registration=registration)
    if RegistrationOperation.VIEW not in REGISTRATION_PERMISSIONS[relation]:
        raise NotAllowed(REGISTRATION_REFUSALS[RegistrationOperation.VIEW])
    prescriber = relation is Relation.PRESCRIBER
    # A prescriber may organise the action too: both views of the file are then given.
    role = organiser_role(db, professional_id=by, action_id=registration.action_id)
    organiser = may(role, Operation.VIEW_REGISTRATIONS) and registration.status is not SENT
    audit.note_view(db, professional_id=by, object_type="registration", object_id=registration_id)

    sessions = db.exec(
        select(Session)
        .join(RegistrationSession, RegistrationSession.session_id == Session.id)
        .where(RegistrationSession.registration_id == registration_id)
        .order_by(Session.starts_at)
    ).all()
    history = [
        {
            "Date": format_datetime(change.at),
            "De": change.from_status.label if change.from_status else "",
            "Vers": change.to_status.label,
            "Par": name or "Automatique",
            "Motif": change.reason or "",
            "Commentaire": change.comment,
        }
        for change, name in db.exec(
            select(StatusChange, Professional.last_name)
            .outerjoin(Professional, Professional.id == StatusChange.by_id)
            .where(StatusChange.registration_id == registration_id)
            .order_by(StatusChange.at, StatusChange.id)
        ).all()
    ]
    ended = {
        RegistrationStatus.UNREGISTERED,
        RegistrationStatus.REFUSED_BY_COMMISSION,
        RegistrationStatus.REFUSED_BY_CANDIDATE,
        RegistrationStatus.DRAFT,
    }
    candidate = details_of(db, by=by, candidate=db.get(Candidate, registration.candidate_id))
    return RegistrationView(
        registration=registration,
        candidate=candidate,
        action=db.get(Action, registration.action_id),
        sessions=[_session_view(s, today) for s in sessions],
        history=history,
        may_delete=prescriber and can_delete(registration),
        may_unregister=prescriber
        and not can_delete(registration)
        and registration.status not in ended,
        is_prescriber=prescriber,
        is_organiser=organiser,
        prescribers=_prescriber_names(db, registration),
        may_complete=registration.is_self_registered
        and RegistrationOperation.COMPLETE in REGISTRATION_PERMISSIONS[relation],
        self_contact=_self_contact(db, registration, in_full=candidate.in_full),
    )


def _self_contact(db: DbSession, registration: Registration, *, in_full: bool) -> str:
    contact = db.exec(
        select(SelfRegistration).where(SelfRegistration.registration_id == registration.id)
    ).first()
    if contact is None:
        return ""
    if in_full:
        return f"{contact.phone or ''} · {contact.email}"
    return f"{mask_phone(contact.phone)} · {mask_email(contact.email)}"


def _prescriber_names(db: DbSession, registration: Registration) -> list[str]:
    """The prescriber then the co-prescribers, each with their structure and email."""
    co = select(CoPrescriber.professional_id).where(CoPrescriber.registration_id == registration.id)
    rows = db.exec(
        select(Professional, Structure.name)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .where(or_(Professional.id == registration.prescriber_id, Professional.id.in_(co)))
    ).all()
    rows = sorted(rows, key=lambda row: row[0].id != registration.prescriber_id)
    return [
        f"{professional.display_name} ({structure or 'sans structure'}, {professional.email})"
        for professional, structure in rows
    ]


def outbox(db: DbSession, *, by: int, limit: int = 200) -> list[dict]:
    """The emails of the outbox: an admin sees them all, anyone else the ones sent to them."""
    me = db.get(Professional, by)
    query = select(OutboxEmail).order_by(OutboxEmail.created_at.desc()).limit(limit)
    if not me.is_admin:
        query = query.where(OutboxEmail.to_address == me.email)
    return [
        {
            "Créé le": format_datetime(email.created_at),
            "Destinataire": email.to_address,
            "Objet": email.subject,
            "Envoyé le": format_datetime(email.sent_at) or email.status.label,
            "Message": email.body,
        }
        for email in db.exec(query)
    ]
