"""The states and kinds of the domain, with their French labels beside them."""

from enum import StrEnum


class RegistrationStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    ELIGIBILITY_NOT_VALIDATED = "eligibility_not_validated"
    ELIGIBILITY_VALIDATED = "eligibility_validated"
    VALIDATED = "validated"
    DEFERRED = "deferred"
    UNREGISTERED = "unregistered"
    REFUSED_BY_COMMISSION = "refused_by_commission"
    REFUSED_BY_CANDIDATE = "refused_by_candidate"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    RegistrationStatus.DRAFT: "Brouillon",
    RegistrationStatus.PENDING: "En attente - à traiter",
    RegistrationStatus.ELIGIBILITY_NOT_VALIDATED: "En attente - Eligibilité non validée",
    RegistrationStatus.ELIGIBILITY_VALIDATED: "En attente - Eligibilité validée",
    RegistrationStatus.VALIDATED: "Validé",
    RegistrationStatus.DEFERRED: "Différé",
    RegistrationStatus.UNREGISTERED: "Désinscrit",
    RegistrationStatus.REFUSED_BY_COMMISSION: "Refusé par la commission",
    RegistrationStatus.REFUSED_BY_CANDIDATE: "Refusé par le candidat",
}

# A registration in one of these states holds one place in each of its sessions.
PLACE_HOLDING_STATUSES = frozenset(
    {
        RegistrationStatus.PENDING,
        RegistrationStatus.ELIGIBILITY_NOT_VALIDATED,
        RegistrationStatus.ELIGIBILITY_VALIDATED,
        RegistrationStatus.VALIDATED,
    }
)

REFUSALS = frozenset(
    {RegistrationStatus.REFUSED_BY_COMMISSION, RegistrationStatus.REFUSED_BY_CANDIDATE}
)


class OutboxStatus(StrEnum):
    """Where an email of the outbox stands; only the mailer moves it."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return OUTBOX_STATUS_LABELS[self]


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: "En attente d'envoi",
    OutboxStatus.SENDING: "En cours d'envoi",
    OutboxStatus.SENT: "Envoyé",
    OutboxStatus.FAILED: "Échec de l'envoi",
}


class ActionType(StrEnum):
    RECRUITMENT = "recruitment"
    TRAINING = "training"
    CLAUSE = "clause"
    TRADE_PROMOTION = "trade_promotion"
    WORKSHOP = "workshop"
    PARTNERS = "partners"

    @property
    def label(self) -> str:
        return ACTION_TYPE_LABELS[self]

    @property
    def category(self) -> str:
        """The agenda heading under which the PLIE's website groups this kind of action."""
        return AGENDA_CATEGORIES[self]


ACTION_TYPE_LABELS = {
    ActionType.RECRUITMENT: "Recrutement",
    ActionType.TRAINING: "Formation",
    ActionType.CLAUSE: "Dispositif Clause Emploi (hors Actions de Recrutement)",
    ActionType.TRADE_PROMOTION: "Promotion des métiers",
    ActionType.WORKSHOP: "Atelier",
    ActionType.PARTNERS: "Action pour les partenaires du PLIE",
}

AGENDA_CATEGORIES = {
    ActionType.RECRUITMENT: "Recrutements",
    ActionType.TRAINING: "Formations et orientation",
    ActionType.CLAUSE: "Formations et orientation",
    ActionType.TRADE_PROMOTION: "Formations et orientation",
    ActionType.WORKSHOP: "Ateliers",
    ActionType.PARTNERS: "Pour les partenaires du PLIE",
}


class EligibilityScheme(StrEnum):
    NONE = "none"
    CLAUSE = "clause"
    FSE = "fse"
    QPV = "qpv"

    @property
    def label(self) -> str:
        return ELIGIBILITY_LABELS[self]


ELIGIBILITY_LABELS = {
    EligibilityScheme.NONE: "Aucune",
    EligibilityScheme.CLAUSE: "Clause emploi",
    EligibilityScheme.FSE: "FSE",
    EligibilityScheme.QPV: "QPV / Cité de l'emploi",
}


class SessionKind(StrEnum):
    VISIT = "visit"
    WORKSHOP = "workshop"
    INFORMATION = "information"
    TRAINING = "training"
    RECRUITMENT = "recruitment"
    ORIENTATION = "orientation"

    @property
    def label(self) -> str:
        return SESSION_KIND_LABELS[self]


SESSION_KIND_LABELS = {
    SessionKind.VISIT: "Visite d'entreprise/chantier",
    SessionKind.WORKSHOP: "Atelier",
    SessionKind.INFORMATION: "Information collective",
    SessionKind.TRAINING: "Formation",
    SessionKind.RECRUITMENT: "Session de recrutement",
    SessionKind.ORIENTATION: "Orientation",
}


class MemberRole(StrEnum):
    PILOT = "pilot"
    COPILOT = "copilot"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return MEMBER_ROLE_LABELS[self]


MEMBER_ROLE_LABELS = {
    MemberRole.PILOT: "Pilote",
    MemberRole.COPILOT: "Copilote",
    MemberRole.PARTNER: "Partenaire",
}


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def label(self) -> str:
        return GENDER_LABELS[self]


GENDER_LABELS = {Gender.FEMALE: "Femme", Gender.MALE: "Homme"}


class StructureKind(StrEnum):
    FRANCE_TRAVAIL = "france_travail"
    MISSION_LOCALE = "mission_locale"
    PLIE = "plie"
    CCAS = "ccas"
    METROPOLE = "metropole"
    EMPLOYMENT_AGENCY = "employment_agency"
    OTHER = "other"

    @property
    def label(self) -> str:
        return STRUCTURE_KIND_LABELS[self]


STRUCTURE_KIND_LABELS = {
    StructureKind.FRANCE_TRAVAIL: "France Travail",
    StructureKind.MISSION_LOCALE: "Mission Locale",
    StructureKind.PLIE: "PLIE",
    StructureKind.CCAS: "CCAS / action sociale",
    StructureKind.METROPOLE: "Métropole",
    StructureKind.EMPLOYMENT_AGENCY: "Agence d'emploi",
    StructureKind.OTHER: "Autre",
}


class AuditEvent(StrEnum):
    """What an audit entry records; never the personal data itself, only what was touched."""

    VIEW_CANDIDATE = "view_candidate"
    VIEW_REGISTRATION = "view_registration"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    EXPORT = "export"
    DOWNLOAD = "download"
    IMPORT = "import"
    SIGN_IN = "sign_in"
    RETENTION = "retention"

    @property
    def label(self) -> str:
        return AUDIT_EVENT_LABELS[self]


AUDIT_EVENT_LABELS = {
    AuditEvent.VIEW_CANDIDATE: "Consultation d'un candidat",
    AuditEvent.VIEW_REGISTRATION: "Consultation d'une inscription",
    AuditEvent.CREATE: "Création",
    AuditEvent.CHANGE: "Modification",
    AuditEvent.DELETE: "Suppression",
    AuditEvent.EXPORT: "Export",
    AuditEvent.DOWNLOAD: "Téléchargement d'un document",
    AuditEvent.IMPORT: "Import",
    AuditEvent.SIGN_IN: "Connexion",
    AuditEvent.RETENTION: "Anonymisation / purge",
}


class PeriodBasis(StrEnum):
    """Which date of a registration the statistics' period is compared with."""

    SESSION = "session"
    REGISTRATION = "registration"

    @property
    def label(self) -> str:
        return PERIOD_BASIS_LABELS[self]


PERIOD_BASIS_LABELS = {
    PeriodBasis.SESSION: "Date de session",
    PeriodBasis.REGISTRATION: "Date d'inscription",
}


class Attendance(StrEnum):
    """Whether a registered candidate came to a session ("Présence" in the session review)."""

    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return ATTENDANCE_LABELS[self]


ATTENDANCE_LABELS = {
    Attendance.PRESENT: "Présent",
    Attendance.ABSENT: "Absent",
    Attendance.EXCUSED: "Excusé",
}


class QuestionKind(StrEnum):
    """What kind of answer an action's own question ("Questions spécifiques") expects."""

    YES_NO = "yes_no"
    TEXT = "text"
    CHOICE = "choice"
    FILE = "file"

    @property
    def label(self) -> str:
        return QUESTION_KIND_LABELS[self]


QUESTION_KIND_LABELS = {
    QuestionKind.YES_NO: "Oui / Non",
    QuestionKind.TEXT: "Texte court",
    QuestionKind.CHOICE: "Choix dans une liste",
    QuestionKind.FILE: "Fichier (CV, justificatif...)",
}
