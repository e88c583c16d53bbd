"""The tables of the module: data and pure predicates; the services in other modules write."""

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Index, TypeDecorator, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel

from plie.enums import (
    ActionType,
    Attendance,
    AuditEvent,
    EligibilityScheme,
    Gender,
    MemberRole,
    OutboxStatus,
    QuestionKind,
    RegistrationStatus,
    SessionKind,
    StructureKind,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC instants on every database (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: store timezone-aware instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def instant(**kwargs):
    return Field(sa_type=UTCDateTime, **kwargs)


# A SIRET names one establishment: ProConnect files a professional under the structure of the
# SIRET it gives, which must be one structure only. Structures without a SIRET are many.
SIRET_GIVEN = text("siret IS NOT NULL AND siret <> ''")


class Structure(SQLModel, table=True):
    __tablename__ = "structure"
    __table_args__ = (
        Index(
            "uq_structure_siret",
            "siret",
            unique=True,
            sqlite_where=SIRET_GIVEN,
            postgresql_where=SIRET_GIVEN,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: StructureKind = Field(default=StructureKind.OTHER)
    siret: str | None = Field(default=None, max_length=14)
    agency_code: str | None = Field(default=None, max_length=20)

    professionals: list["Professional"] = Relationship(back_populates="structure")


class Team(SQLModel, table=True):
    """A team of the Métropole ("Mon équipe")."""

    __tablename__ = "team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)


class Professional(SQLModel, table=True):
    __tablename__ = "professional"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    structure_id: int | None = Field(default=None, foreign_key="structure.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    is_admin: bool = False
    is_coordinator: bool = False
    # Authorised by an admin to create actions as their pilot.
    can_pilot: bool = False
    password_hash: str | None = Field(default=None, max_length=100)
    proconnect_sub: str | None = Field(default=None, max_length=255, index=True)
    # When the person authenticated at ProConnect for the sign-in that last updated this row.
    proconnect_signed_in_at: datetime | None = instant(default=None)
    # The phone came from ProConnect: it is changed there, not here.
    phone_from_proconnect: bool = False
    # Once ProConnect is configured, local passwords work only for admins and those an admin allows.
    local_sign_in_allowed: bool = False
    created_at: datetime = instant(default_factory=utc_now)

    structure: Structure | None = Relationship(back_populates="professionals")
    team: Team | None = Relationship()

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


class Action(SQLModel, table=True):
    __tablename__ = "action"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    action_type: ActionType
    summary: str = Field(default="", max_length=500)
    description: str = Field(default="")
    eligibility_scheme: EligibilityScheme = EligibilityScheme.NONE
    publication_start: date
    publication_end: date
    commune: str = Field(default="", max_length=100)
    allows_self_registration: bool = False
    auto_validate: bool = False
    max_employers_per_candidate: int = Field(default=3, ge=1)
    proofs_guide_url: str | None = Field(default=None, max_length=500)
    published_at: datetime = instant(default_factory=utc_now)

    sessions: list["Session"] = Relationship(back_populates="action")
    members: list["ActionMember"] = Relationship(back_populates="action")

    def is_published_on(self, day: date) -> bool:
        return self.publication_start <= day <= self.publication_end


class ActionMember(SQLModel, table=True):
    """An organiser of an action: its pilot, a copilot or a partner."""

    __tablename__ = "action_member"
    __table_args__ = (UniqueConstraint("action_id", "professional_id"),)

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    professional_id: int = Field(foreign_key="professional.id", index=True)
    role: MemberRole

    action: Action = Relationship(back_populates="members")
    professional: Professional = Relationship()


class Session(SQLModel, table=True):
    """One dated occurrence of an action ("session" or "séance")."""

    __tablename__ = "action_session"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    label: str = Field(max_length=200)
    kind: SessionKind = SessionKind.WORKSHOP
    starts_at: datetime = instant()
    ends_at: datetime = instant()
    place_name: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=250)
    capacity: int = Field(ge=0)
    registration_deadline: date
    # Kept by the domain with one conditional UPDATE, so that two submissions at the same
    # moment can never take the last place twice.
    places_taken: int = Field(default=0, ge=0)

    action: Action = Relationship(back_populates="sessions")
    employers: list["Employer"] = Relationship(back_populates="session")

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    def is_open_on(self, day: date) -> bool:
        return day <= self.registration_deadline


class Employer(SQLModel, table=True):
    """An employer met during a recruitment session."""

    __tablename__ = "employer"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="action_session.id", index=True)
    name: str = Field(max_length=200)
    job_offers: str = Field(default="")

    session: Session = Relationship(back_populates="employers")
    slots: list["Slot"] = Relationship(back_populates="employer")


class Slot(SQLModel, table=True):
    """A time slot with one employer, with its own places."""

    __tablename__ = "slot"

    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    starts_at: datetime = instant()
    capacity: int = Field(ge=0)
    places_taken: int = Field(default=0, ge=0)

    employer: Employer = Relationship(back_populates="slots")

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)


class Candidate(SQLModel, table=True):
    __tablename__ = "candidate"

    id: int | None = Field(default=None, primary_key=True)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    birth_date: date = Field(index=True)
    # Lower case, without accents: what the search by first letters compares.
    last_name_key: str = Field(max_length=100, index=True)
    first_name_key: str = Field(max_length=100)
    gender: Gender | None = None
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=250)
    is_qpv: bool | None = None
    qualification_level: str | None = Field(default=None, max_length=10)
    france_travail_id: str | None = Field(default=None, max_length=20)
    viesion_id: str | None = Field(default=None, max_length=30)
    is_plie_participant: bool = False
    created_at: datetime = instant(default_factory=utc_now)
    # Who entered the person (a prescriber, or a coordinator's import): they keep reading the
    # contact details they typed (plie.permissions.CANDIDATE_PERMISSIONS). None for a
    # self-registration and for the records made before it was kept.
    created_by_id: int | None = Field(default=None, foreign_key="professional.id")
    # Set when the retention rules replaced the person's identity; the statistics stay.
    anonymised_at: datetime | None = instant(default=None)

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


class Registration(SQLModel, table=True):
    """One candidate's application to one action, over one or more of its sessions."""

    __tablename__ = "registration"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True)
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    prescriber_id: int | None = Field(default=None, foreign_key="professional.id", index=True)
    status: RegistrationStatus = Field(default=RegistrationStatus.DRAFT, index=True)
    is_self_registered: bool = False
    # Set the first time an organiser changes the state: from then on it cannot be deleted.
    processed_at: datetime | None = instant(default=None)
    submitted_at: datetime | None = instant(default=None)
    created_at: datetime = instant(default_factory=utc_now)
    updated_at: datetime = instant(default_factory=utc_now)
    # The form's one-time token: a second click on the same form finds this registration
    # instead of creating another one.
    form_token: str | None = Field(default=None, max_length=64, unique=True)

    candidate: Candidate = Relationship()
    action: Action = Relationship()
    prescriber: Professional | None = Relationship()
    sessions: list["RegistrationSession"] = Relationship(
        back_populates="registration", cascade_delete=True
    )
    history: list["StatusChange"] = Relationship(back_populates="registration", cascade_delete=True)

    @property
    def holds_places(self) -> bool:
        from plie.enums import PLACE_HOLDING_STATUSES

        return self.status in PLACE_HOLDING_STATUSES


class RegistrationSession(SQLModel, table=True):
    """A session that a registration covers."""

    __tablename__ = "registration_session"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="action_session.id", index=True)

    registration: Registration = Relationship(back_populates="sessions")
    session: Session = Relationship()


class CoPrescriber(SQLModel, table=True):
    """Another professional who follows a registration and may act on it like its prescriber."""

    __tablename__ = "co_prescriber"
    __table_args__ = (UniqueConstraint("registration_id", "professional_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    professional_id: int = Field(foreign_key="professional.id", index=True)
    added_at: datetime = instant(default_factory=utc_now)


class StatusChange(SQLModel, table=True):
    """One change of a registration's state: who, when, from, to."""

    __tablename__ = "status_change"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    from_status: RegistrationStatus | None = None
    to_status: RegistrationStatus
    by_id: int | None = Field(default=None, foreign_key="professional.id")
    at: datetime = instant(default_factory=utc_now)
    comment: str = Field(default="", max_length=1000)
    # For a refusal: the reason picked from plie.triage.REFUSAL_REASONS.
    reason: str | None = Field(default=None, max_length=200)

    registration: Registration = Relationship(back_populates="history")


class OutboxEmail(SQLModel, table=True):
    """An email written in the same transaction as the change it reports, sent later."""

    __tablename__ = "outbox_email"

    id: int | None = Field(default=None, primary_key=True)
    # One key per email, so that a retry never sends the same email twice.
    key: str = Field(max_length=200, unique=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str
    created_at: datetime = instant(default_factory=utc_now)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, index=True)
    # The mailer picks up pending emails whose time has come; a failure pushes this later.
    next_attempt_at: datetime = instant(default_factory=utc_now, index=True)
    # Set when a mailer claims the email, so that no other mailer sends it too.
    claimed_at: datetime | None = instant(default=None)
    sent_at: datetime | None = instant(default=None)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=1000)
    transport: str | None = Field(default=None, max_length=20)
    provider_message_id: str | None = Field(default=None, max_length=200)
    # Failed without knowing whether the email left (no answer in time, a mailer that stopped
    # mid-way): it may have been delivered, so putting it back to send needs a person's check.
    outcome_unknown: bool = False


class AuditEntry(SQLModel, table=True):
    """Who viewed, changed, exported or downloaded what, from which page; never the data itself."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = instant(default_factory=utc_now, index=True)
    professional_id: int | None = Field(default=None, foreign_key="professional.id", index=True)
    event: AuditEvent = Field(index=True)
    # The kind of record and its id ("candidate", 12): enough to find it, nothing about the person.
    object_type: str = Field(default="", max_length=40)
    object_id: int | None = Field(default=None, index=True)
    page: str = Field(default="", max_length=60)
    # A short technical note (a filter, a new state): never names, answers or free text.
    detail: str = Field(default="", max_length=300)


class SelfRegistration(SQLModel, table=True):
    """What a "candidat libre" typed to be reached, and when they accepted the data notice.

    Kept beside the registration rather than on the candidate: a stranger's form never
    overwrites what the PLIE already knows about a person.
    """

    __tablename__ = "self_registration"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(
        foreign_key="registration.id", unique=True, index=True, ondelete="CASCADE"
    )
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    consent_notice_version: str = Field(max_length=20)
    consented_at: datetime = instant(default_factory=utc_now)


class SelfRegistrationAttempt(SQLModel, table=True):
    """One attempt at the public form, counted by the abuse limits of every app server.

    The client address and the email are stored as keyed hashes only: enough to count, not
    enough to know who tried.
    """

    __tablename__ = "self_registration_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = instant(default_factory=utc_now, index=True)
    client_hash: str = Field(max_length=64, index=True)
    email_hash: str = Field(max_length=64, index=True)


class ImportColumnMapping(SQLModel, table=True):
    """Which column of the follow-up software's export holds each field of a participant."""

    __tablename__ = "import_column_mapping"

    id: int | None = Field(default=None, primary_key=True)
    field_name: str = Field(max_length=40, unique=True)
    column_name: str = Field(max_length=200)
    updated_by_id: int | None = Field(default=None, foreign_key="professional.id")
    updated_at: datetime = instant(default_factory=utc_now)


class ParticipantImport(SQLModel, table=True):
    """One import of the PLIE's participants that was written: who, when, what it did."""

    __tablename__ = "participant_import"

    id: int | None = Field(default=None, primary_key=True)
    by_id: int = Field(foreign_key="professional.id")
    at: datetime = instant(default_factory=utc_now)
    file_name: str = Field(max_length=255)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    errors: int = 0


class CandidateMerge(SQLModel, table=True):
    """A coordinator merged two records of the same person: the record kept, the one removed."""

    __tablename__ = "candidate_merge"

    id: int | None = Field(default=None, primary_key=True)
    kept_candidate_id: int = Field(foreign_key="candidate.id", index=True)
    # The removed record no longer exists: its id is kept for the record, without a key.
    merged_candidate_id: int
    registrations_moved: int = 0
    by_id: int = Field(foreign_key="professional.id")
    at: datetime = instant(default_factory=utc_now)


class SignInAttempt(SQLModel, table=True):
    """A failed local sign-in, counted by the limits of every app server (hashes only)."""

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = instant(default_factory=utc_now, index=True)
    client_hash: str = Field(max_length=64, index=True)
    email_hash: str = Field(max_length=64, index=True)


class StatisticsExport(SQLModel, table=True):
    """One export of the statistics workbook, which holds personal data: who, when, which filters.

    The filters are stored as the ids and dates chosen, never as names of people.
    """

    __tablename__ = "statistics_export"

    id: int | None = Field(default=None, primary_key=True)
    professional_id: int = Field(foreign_key="professional.id", index=True)
    exported_at: datetime = instant(default_factory=utc_now, index=True)
    filters: str = Field(max_length=4000)
    registrations: int = Field(default=0, ge=0)
    candidates: int = Field(default=0, ge=0)


class SessionReview(SQLModel, table=True):
    """The organisers' review ("bilan") of one session, and whether it is locked."""

    __tablename__ = "session_review"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="action_session.id", unique=True)
    locked_at: datetime | None = instant(default=None)
    locked_by_id: int | None = Field(default=None, foreign_key="professional.id")
    times_locked: int = 0
    updated_at: datetime = instant(default_factory=utc_now)

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class ReviewEntry(SQLModel, table=True):
    """One registered candidate in a session's review: attendance, outcome, comment."""

    __tablename__ = "review_entry"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="action_session.id", index=True)
    attendance: Attendance | None = None
    # The outcome of a session without employers; a recruitment session has one per employer.
    outcome: str | None = Field(default=None, max_length=40)
    comment: str = Field(default="", max_length=1000)
    updated_at: datetime = instant(default_factory=utc_now)
    updated_by_id: int | None = Field(default=None, foreign_key="professional.id")


class ReviewOutcome(SQLModel, table=True):
    """What came of a candidate's meeting with one employer of a recruitment session."""

    __tablename__ = "review_outcome"
    __table_args__ = (UniqueConstraint("registration_id", "session_id", "employer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="action_session.id", index=True)
    employer_id: int = Field(foreign_key="employer.id", index=True)
    outcome: str | None = Field(default=None, max_length=40)
    comment: str = Field(default="", max_length=1000)


class FollowUp(SQLModel, table=True):
    """The candidate's situation some months after a session ("Suivi à 1 mois"...)."""

    __tablename__ = "follow_up"
    __table_args__ = (UniqueConstraint("registration_id", "session_id", "months"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="action_session.id", index=True)
    months: int = Field(ge=1)
    situation: str = Field(max_length=40)
    comment: str = Field(default="", max_length=1000)
    recorded_at: datetime = instant(default_factory=utc_now)
    recorded_by_id: int | None = Field(default=None, foreign_key="professional.id")


class ReviewVersion(SQLModel, table=True):
    """A locked version of a review, kept when a pilot reopens it, with who and why."""

    __tablename__ = "review_version"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="action_session.id", index=True)
    number: int = Field(ge=1)
    locked_at: datetime = instant()
    locked_by_id: int | None = Field(default=None, foreign_key="professional.id")
    reopened_at: datetime = instant(default_factory=utc_now)
    reopened_by_id: int | None = Field(default=None, foreign_key="professional.id")
    reopen_reason: str = Field(max_length=1000)
    # The review's lines as they were while locked (JSON), read back as they were.
    content: str


class ReviewChange(SQLModel, table=True):
    """One value of a review changed: who, when, which line and field, before and after."""

    __tablename__ = "review_change"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="action_session.id", index=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    what: str = Field(max_length=250)
    before: str = Field(default="", max_length=1000)
    after: str = Field(default="", max_length=1000)
    by_id: int | None = Field(default=None, foreign_key="professional.id")
    at: datetime = instant(default_factory=utc_now)


class ActionQuestion(SQLModel, table=True):
    """One of an action's own questions ("Questions spécifiques"), in the organiser's order."""

    __tablename__ = "action_question"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0, ge=0)
    label: str = Field(max_length=200)
    kind: QuestionKind
    required: bool = False
    # For a choice: the options, one per line.
    choices: str = Field(default="", max_length=2000)

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Document(SQLModel, table=True):
    """An uploaded file; on disk under a generated name, never the one the user gave."""

    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    # What the file answers: an eligibility field ("fse_proof") or "question:<id>".
    purpose: str = Field(max_length=60)
    stored_name: str = Field(max_length=64, unique=True)
    content_type: str = Field(max_length=100)
    size: int = Field(ge=0)
    # Shown and offered as the download's name only; cleaned, never used on the server's disk.
    original_name: str = Field(default="", max_length=200)
    uploaded_by_id: int | None = Field(default=None, foreign_key="professional.id")
    uploaded_at: datetime = instant(default_factory=utc_now)


class EligibilityAnswer(SQLModel, table=True):
    """One answer of the eligibility form: one row per ticked criterion, yes/no or link."""

    __tablename__ = "eligibility_answer"
    __table_args__ = (UniqueConstraint("registration_id", "field", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    field: str = Field(max_length=40)
    value: str = Field(max_length=500)


class QuestionAnswer(SQLModel, table=True):
    """A registration's answer to one of its action's questions."""

    __tablename__ = "question_answer"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="action_question.id", index=True)
    value: str = Field(default="", max_length=1000)
    document_id: int | None = Field(default=None, foreign_key="document.id", ondelete="SET NULL")


class RegistrationSlot(SQLModel, table=True):
    """A recruitment slot chosen for a registration: one employer met at one time."""

    __tablename__ = "registration_slot"
    __table_args__ = (
        UniqueConstraint("registration_id", "slot_id"),
        # One meeting per employer and candidate.
        UniqueConstraint("registration_id", "employer_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True, ondelete="CASCADE")
    session_id: int = Field(foreign_key="action_session.id", index=True)
    employer_id: int = Field(foreign_key="employer.id")
    slot_id: int = Field(foreign_key="slot.id", index=True)
