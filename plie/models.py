"""The tables of the module: data and pure predicates; the services in other modules write."""

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, TypeDecorator, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel

from plie.enums import (
    ActionType,
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


class Structure(SQLModel, table=True):
    __tablename__ = "structure"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: StructureKind = Field(default=StructureKind.OTHER)
    siret: str | None = Field(default=None, max_length=14, index=True)
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
