"""Who may do what on an action: one table, enforced by the domain functions themselves."""

from enum import StrEnum

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.enums import MemberRole, RegistrationStatus
from plie.errors import NotAllowed
from plie.models import ActionMember, Candidate, CoPrescriber, Professional, Registration


class Operation(StrEnum):
    VIEW_REGISTRATIONS = "view_registrations"
    CHANGE_STATUS = "change_status"
    EDIT_ACTION = "edit_action"
    MANAGE_TEAM = "manage_team"
    DELETE_ACTION = "delete_action"
    RECORD_REVIEW = "record_review"
    REOPEN_REVIEW = "reopen_review"
    EXPORT_REGISTRATIONS = "export_registrations"
    DECIDE_ELIGIBILITY = "decide_eligibility"


# The pilot does everything; a copilot everything but the team, deletion and reopening a locked
# review; a partner sees the registrations and records the session reviews.
ORGANISER_PERMISSIONS: dict[MemberRole, frozenset[Operation]] = {
    MemberRole.PILOT: frozenset(Operation),
    MemberRole.COPILOT: frozenset(Operation)
    - {Operation.MANAGE_TEAM, Operation.DELETE_ACTION, Operation.REOPEN_REVIEW},
    MemberRole.PARTNER: frozenset({Operation.VIEW_REGISTRATIONS, Operation.RECORD_REVIEW}),
}

REFUSALS = {
    Operation.VIEW_REGISTRATIONS: "Vous n'êtes pas organisateur de cette action : "
    "ses inscriptions ne vous sont pas accessibles.",
    Operation.CHANGE_STATUS: "Seuls le pilote et les copilotes de l'action peuvent changer "
    "l'état des inscriptions.",
    Operation.EDIT_ACTION: "Seuls le pilote et les copilotes de l'action peuvent la modifier.",
    Operation.MANAGE_TEAM: "Seul le pilote de l'action peut gérer ses organisateurs.",
    Operation.DELETE_ACTION: "Seul le pilote de l'action peut la supprimer.",
    Operation.RECORD_REVIEW: "Seuls les organisateurs de l'action peuvent saisir ses bilans.",
    Operation.REOPEN_REVIEW: "Seul le pilote de l'action peut rouvrir un bilan verrouillé.",
    Operation.EXPORT_REGISTRATIONS: "Seuls le pilote et les copilotes de l'action peuvent "
    "exporter ses inscriptions.",
    Operation.DECIDE_ELIGIBILITY: "Seuls le pilote et les copilotes de l'action peuvent "
    "décider de l'éligibilité des candidats.",
}


def organiser_role(db: DbSession, *, professional_id: int, action_id: int) -> MemberRole | None:
    return db.exec(
        select(ActionMember.role).where(
            ActionMember.action_id == action_id, ActionMember.professional_id == professional_id
        )
    ).first()


def may(role: MemberRole | None, operation: Operation) -> bool:
    return role is not None and operation in ORGANISER_PERMISSIONS[role]


def require(db: DbSession, *, professional_id: int, action_id: int, operation: Operation) -> None:
    """Raise NotAllowed unless the professional's role on the action allows the operation."""
    role = organiser_role(db, professional_id=professional_id, action_id=action_id)
    if not may(role, operation):
        raise NotAllowed(REFUSALS[operation])


def is_prescriber_of(db: DbSession, *, professional_id: int, registration: Registration) -> bool:
    """The registration's prescriber, or one of its co-prescribers."""
    if registration.prescriber_id == professional_id:
        return True
    return (
        db.exec(
            select(CoPrescriber.id).where(
                CoPrescriber.registration_id == registration.id,
                CoPrescriber.professional_id == professional_id,
            )
        ).first()
        is not None
    )


class Relation(StrEnum):
    """How a professional stands to one registration."""

    PRESCRIBER = "prescriber"  # its prescriber or one of its co-prescribers
    PILOT = "pilot"
    COPILOT = "copilot"
    PARTNER = "partner"
    NONE = "none"  # anybody else: another structure's counsellor, a coordinator, an admin


class RegistrationOperation(StrEnum):
    # The file: the candidate, the answers (sensitive ones included), the documents, the history.
    VIEW = "view"
    # Everything the prescribers do: send, change answers, files, candidate, sessions, slots,
    # co-prescribers; delete until processed, then unregister.
    ACT = "act"
    # A self-registration ("candidat libre") has no prescriber: the organisers complete its
    # answers with the candidate (the files and the Viesion link the public form never asks)
    # and correct what was declared. Only ever on a self-registration (see may_on_registration).
    COMPLETE = "complete"


# Who may do what on a registration. The organisers' own operations (triage, reviews...) are in
# ORGANISER_PERMISSIONS above. Organisers see a registration only once it has been sent.
# Completing a self-registration goes with deciding the eligibility: the pilot and copilots, not
# the partners (ORGANISER_PERMISSIONS gives them DECIDE_ELIGIBILITY, a test keeps both in step).
REGISTRATION_PERMISSIONS: dict[Relation, frozenset[RegistrationOperation]] = {
    Relation.PRESCRIBER: frozenset({RegistrationOperation.VIEW, RegistrationOperation.ACT}),
    Relation.PILOT: frozenset({RegistrationOperation.VIEW, RegistrationOperation.COMPLETE}),
    Relation.COPILOT: frozenset({RegistrationOperation.VIEW, RegistrationOperation.COMPLETE}),
    Relation.PARTNER: frozenset({RegistrationOperation.VIEW}),
    Relation.NONE: frozenset(),
}
REGISTRATION_REFUSALS = {
    RegistrationOperation.VIEW: "Cette inscription ne vous est pas accessible.",
    RegistrationOperation.ACT: "Seuls les prescripteurs de cette inscription peuvent la "
    "consulter ou la modifier.",
    RegistrationOperation.COMPLETE: "Seuls le pilote et les copilotes de l'action peuvent "
    "compléter l'inscription d'un candidat libre.",
}
_ROLE_RELATIONS = {
    MemberRole.PILOT: Relation.PILOT,
    MemberRole.COPILOT: Relation.COPILOT,
    MemberRole.PARTNER: Relation.PARTNER,
}


def relation_to(db: DbSession, *, professional_id: int, registration: Registration) -> Relation:
    if is_prescriber_of(db, professional_id=professional_id, registration=registration):
        return Relation.PRESCRIBER
    if registration.status is RegistrationStatus.DRAFT:
        return Relation.NONE  # a draft is the prescriber's alone
    role = organiser_role(db, professional_id=professional_id, action_id=registration.action_id)
    return _ROLE_RELATIONS.get(role, Relation.NONE)


def may_on_registration(
    db: DbSession,
    *,
    professional_id: int,
    registration: Registration | None,
    operation: RegistrationOperation,
) -> bool:
    if registration is None:
        return False
    if operation is RegistrationOperation.COMPLETE and not registration.is_self_registered:
        return False  # a prescriber's registration is completed by its prescribers (ACT)
    relation = relation_to(db, professional_id=professional_id, registration=registration)
    return operation in REGISTRATION_PERMISSIONS[relation]


def require_prescriber(db: DbSession, *, professional_id: int, registration: Registration) -> None:
    if not may_on_registration(
        db,
        professional_id=professional_id,
        registration=registration,
        operation=RegistrationOperation.ACT,
    ):
        raise NotAllowed(REGISTRATION_REFUSALS[RegistrationOperation.ACT])


def answers_operation(registration: Registration) -> RegistrationOperation:
    """What changing the answers and files takes: completing a self-registration, or being
    one of the prescribers of any other."""
    if registration.is_self_registered:
        return RegistrationOperation.COMPLETE
    return RegistrationOperation.ACT


def may_change_answers(db: DbSession, *, professional_id: int, registration: Registration) -> bool:
    return may_on_registration(
        db,
        professional_id=professional_id,
        registration=registration,
        operation=answers_operation(registration),
    )


def require_answers_editor(
    db: DbSession, *, professional_id: int, registration: Registration
) -> None:
    if not may_change_answers(db, professional_id=professional_id, registration=registration):
        raise NotAllowed(REGISTRATION_REFUSALS[answers_operation(registration)])


def require_coordinator(professional: Professional) -> None:
    if not may_see_statistics(professional):
        raise NotAllowed("Cette page est réservée aux coordinateurs du PLIE.")


def require_admin(professional: Professional) -> None:
    if not professional.is_admin:
        raise NotAllowed("Cette page est réservée aux administrateurs.")


def may_see_eligibility_answers(professional: Professional) -> bool:
    """Eligibility answers per person (RSA, RQTH, refugee status...) are sensitive data: in the
    statistics export only the PLIE's coordinators see them; an administrator gets the figures."""
    return professional.is_coordinator


def may_see_statistics(professional: Professional) -> bool:
    return professional.is_coordinator or professional.is_admin


def require_authorised_pilot(professional: Professional) -> None:
    """Only the professionals an admin authorised as pilots create actions."""
    if not professional.can_pilot:
        raise NotAllowed(
            "Seuls les professionnels autorisés comme pilotes par un administrateur peuvent "
            "ajouter une action."
        )


def may_see_registration(
    db: DbSession, *, professional_id: int, registration: Registration | None
) -> bool:
    """Its prescribers always; its action's organisers once it has been sent to them."""
    return may_on_registration(
        db,
        professional_id=professional_id,
        registration=registration,
        operation=RegistrationOperation.VIEW,
    )


class CandidateRelation(StrEnum):
    """How a professional stands to one person; one may hold several relations at once."""

    CREATOR = "creator"  # entered the record (Candidate.created_by_id)
    SENT_PRESCRIBER = "sent_prescriber"  # prescriber or co-prescriber of a sent registration
    ORGANISER = "organiser"  # pilot, copilot or partner of an action they were sent to
    COORDINATOR = "coordinator"  # a coordinator of the PLIE
    DRAFT_PRESCRIBER = "draft_prescriber"  # found them and holds a draft, nothing sent yet
    NONE = "none"  # anybody else: they see the names and birth date a search shows, no more


class CandidateOperation(StrEnum):
    # The contact details (phone, email, address) and every other field beyond the names and
    # birth date: gender, QPV, qualification level, France Travail and Viesion numbers, PLIE
    # participant. Without it they are shown masked ("06 •• •• •• 12", "Adresse renseignée").
    READ_DETAILS = "read_details"
    # Change the candidate's details. Without READ_DETAILS, a value can only be replaced by a
    # new one (the person changed phone), never read nor emptied; the trail records it.
    CHANGE_DETAILS = "change_details"


# Need to know: a person's details are read in full by the professionals with a reason to
# contact them: who entered them, who sent them to an action, that action's organisers, the
# PLIE's coordinators. Finding someone by their names and birth date and saving a draft is no
# such reason: anyone signing in with ProConnect becomes a prescriber. Sending the draft is.
CANDIDATE_PERMISSIONS: dict[CandidateRelation, frozenset[CandidateOperation]] = {
    CandidateRelation.CREATOR: frozenset({CandidateOperation.READ_DETAILS}),
    CandidateRelation.SENT_PRESCRIBER: frozenset(CandidateOperation),
    CandidateRelation.ORGANISER: frozenset({CandidateOperation.READ_DETAILS}),
    CandidateRelation.COORDINATOR: frozenset({CandidateOperation.READ_DETAILS}),
    CandidateRelation.DRAFT_PRESCRIBER: frozenset({CandidateOperation.CHANGE_DETAILS}),
    CandidateRelation.NONE: frozenset(),
}
CANDIDATE_REFUSALS = {
    CandidateOperation.READ_DETAILS: "Les coordonnées de ce candidat ne vous sont pas accessibles.",
    CandidateOperation.CHANGE_DETAILS: "Seuls les prescripteurs d'une inscription de ce "
    "candidat peuvent modifier ses informations.",
}


def _followed_registrations(professional_id: int):
    """Registrations whose prescriber or co-prescriber the professional is."""
    co = select(CoPrescriber.registration_id).where(CoPrescriber.professional_id == professional_id)
    return (Registration.prescriber_id == professional_id) | Registration.id.in_(co)


def candidate_relations(
    db: DbSession, *, professional_id: int, candidate: Candidate
) -> frozenset[CandidateRelation]:
    """Every relation the professional holds to the person; {NONE} when there is none."""
    relations = set()
    if candidate.created_by_id is not None and candidate.created_by_id == professional_id:
        relations.add(CandidateRelation.CREATOR)
    professional = db.get(Professional, professional_id)
    if professional is not None and professional.is_coordinator:
        relations.add(CandidateRelation.COORDINATOR)
    followed = db.exec(
        select(Registration.status).where(
            Registration.candidate_id == candidate.id, _followed_registrations(professional_id)
        )
    ).all()
    if any(status is not RegistrationStatus.DRAFT for status in followed):
        relations.add(CandidateRelation.SENT_PRESCRIBER)
    elif followed:
        relations.add(CandidateRelation.DRAFT_PRESCRIBER)
    organises = db.exec(
        select(Registration.id)
        .join(ActionMember, ActionMember.action_id == Registration.action_id)
        .where(
            Registration.candidate_id == candidate.id,
            Registration.status != RegistrationStatus.DRAFT,
            ActionMember.professional_id == professional_id,
        )
    ).first()
    if organises is not None:
        relations.add(CandidateRelation.ORGANISER)
    return frozenset(relations or {CandidateRelation.NONE})


def may_on_candidate(
    db: DbSession, *, professional_id: int, candidate: Candidate, operation: CandidateOperation
) -> bool:
    relations = candidate_relations(db, professional_id=professional_id, candidate=candidate)
    return any(operation in CANDIDATE_PERMISSIONS[relation] for relation in relations)
