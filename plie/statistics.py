"""The coordinators' statistics: which registrations a set of filters selects, and their figures.

The registrations are read as one stream ordered by candidate, so that every figure, distinct
candidates included, is counted in one pass whose memory does not grow with the number of rows:
a candidate's registrations arrive together and are counted once, then forgotten.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import breakdowns
from plie.dates import PARIS, format_date, paris_instant
from plie.enums import (
    ActionType,
    EligibilityScheme,
    Gender,
    PeriodBasis,
    RegistrationStatus,
)
from plie.errors import InvalidInput
from plie.models import (
    Action,
    Candidate,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    Structure,
)
from plie.reference import ISCED_GROUPS, QUALIFICATION_BY_CODE, QUALIFICATION_LEVELS

BATCH_SIZE = 2000
SENT_STATUSES = tuple(s for s in RegistrationStatus if s is not RegistrationStatus.DRAFT)

NOT_GIVEN = "Non renseigné"
YES, NO = "Oui", "Non"

# Bands of the age at entry that the funders ask for; each is (label, lowest, highest age).
AGE_BANDS = (
    ("Moins de 18 ans", None, 17),
    ("18-25 ans", 18, 25),
    ("26-29 ans", 26, 29),
    ("30-54 ans", 30, 54),
    ("55 ans et plus", 55, None),
)
AGE_UNKNOWN = "Non calculable"
UNDER_26 = "Moins de 26 ans"
# The FSE questionnaire's criterion "Agé(e) entre 18 et 30 ans ou plus de 55 ans": a rule of its
# own, which no combination of the bands above gives (30 is in one band, 31 to 54 in the same).
YOUNG_OR_SENIOR = "18-30 ans ou plus de 55 ans"


class Section:
    """The headings of "Synthèse", in the order the sheet shows them."""

    STATUS = "Etat de l'inscription"
    ACTION_TYPE = "Type d'action"
    SCHEME = "Eligibilité de l'action"
    ELIGIBILITY = "Critère d'éligibilité"
    GENDER = "Genre"
    AGE = "Âge à l'entrée"
    UNDER_26 = UNDER_26
    YOUNG_OR_SENIOR = YOUNG_OR_SENIOR
    QPV = "QPV"
    QUALIFICATION = "Niveau de qualification"
    ISCED = "Groupe CITE (ISCED)"
    ATTENDANCE = "Présence"
    OUTCOME = "Suite donnée"


# The modalities every export lists, zeros included, so that two exports compare line by line.
FIXED_MODALITIES = {
    Section.STATUS: [status.label for status in RegistrationStatus],
    Section.ACTION_TYPE: [kind.label for kind in ActionType],
    Section.SCHEME: [scheme.label for scheme in EligibilityScheme],
    Section.GENDER: [gender.label for gender in Gender] + [NOT_GIVEN],
    Section.AGE: [band[0] for band in AGE_BANDS] + [AGE_UNKNOWN],
    Section.UNDER_26: [YES, NO, AGE_UNKNOWN],
    Section.YOUNG_OR_SENIOR: [YES, NO, AGE_UNKNOWN],
    Section.QPV: [YES, NO, NOT_GIVEN],
    Section.QUALIFICATION: [
        f"{level.label} (ancien niveau {level.former_label}) – CITE {level.isced_group}"
        for level in QUALIFICATION_LEVELS
    ]
    + [NOT_GIVEN],
    Section.ISCED: list(ISCED_GROUPS.values()) + [NOT_GIVEN],
}
SECTIONS = [
    Section.STATUS,
    Section.ACTION_TYPE,
    Section.SCHEME,
    Section.ELIGIBILITY,
    Section.GENDER,
    Section.AGE,
    Section.UNDER_26,
    Section.YOUNG_OR_SENIOR,
    Section.QPV,
    Section.QUALIFICATION,
    Section.ISCED,
    Section.ATTENDANCE,
    Section.OUTCOME,
]
# The sections fed by breakdowns (plie.breakdowns): shown as "not available" when not recorded.
BREAKDOWN_SECTIONS = {
    Section.ELIGIBILITY: "eligibility",
    Section.ATTENDANCE: "attendance",
    Section.OUTCOME: "outcome",
}
UNAVAILABLE = {
    "eligibility": "Les réponses aux questionnaires d'éligibilité ne sont pas encore "
    "enregistrées par le module : les effectifs par critère d'éligibilité ne peuvent pas "
    "être donnés.",
    "attendance": "La présence aux sessions (Présent / Absent / Excusé) n'est pas "
    "enregistrée : les effectifs par présence ne peuvent pas être donnés.",
    "outcome": "Les suites données ne sont pas enregistrées : les effectifs par suite donnée "
    "ne peuvent pas être donnés.",
}


@dataclass(frozen=True)
class StatisticsFilters:
    """What a coordinator selects; empty tuples mean "all"."""

    start: date
    end: date
    basis: PeriodBasis = PeriodBasis.SESSION
    action_ids: tuple[int, ...] = ()
    action_types: tuple[ActionType, ...] = ()
    schemes: tuple[EligibilityScheme, ...] = ()
    structure_ids: tuple[int, ...] = ()
    # Empty: every state but "Brouillon" (a draft was never sent to the organisers).
    statuses: tuple[RegistrationStatus, ...] = ()

    def as_record(self) -> dict:
        """The filters as ids, codes and ISO dates, for the export register."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "basis": self.basis.value,
            "action_ids": list(self.action_ids),
            "action_types": [kind.value for kind in self.action_types],
            "schemes": [scheme.value for scheme in self.schemes],
            "structure_ids": list(self.structure_ids),
            "statuses": [status.value for status in self.statuses],
        }


def check_filters(
    *,
    start: date | None,
    end: date | None,
    basis: PeriodBasis = PeriodBasis.SESSION,
    action_ids=(),
    action_types=(),
    schemes=(),
    structure_ids=(),
    statuses=(),
) -> StatisticsFilters:
    """Filters from what the coordinator chose, or InvalidInput naming what to correct."""
    if start is None or end is None:
        raise InvalidInput(
            {"period": "Choisissez la date de début et la date de fin de la période."}
        )
    if start > end:
        raise InvalidInput(
            {"period": "La date de début de la période doit précéder sa date de fin."}
        )
    return StatisticsFilters(
        start=start,
        end=end,
        basis=PeriodBasis(basis),
        action_ids=tuple(action_ids),
        action_types=tuple(ActionType(kind) for kind in action_types),
        schemes=tuple(EligibilityScheme(scheme) for scheme in schemes),
        structure_ids=tuple(structure_ids),
        statuses=tuple(RegistrationStatus(status) for status in statuses),
    )


def describe_filters(db: DbSession, filters: StatisticsFilters) -> list[tuple[str, str]]:
    """The filters in French, as "Méthode" lists them."""

    def names(model, ids, attribute):
        if not ids:
            return "Toutes"
        rows = db.exec(select(getattr(model, attribute)).where(model.id.in_(ids))).all()
        return ", ".join(sorted(rows))

    return [
        ("Période", f"du {format_date(filters.start)} au {format_date(filters.end)} inclus"),
        ("Période appréciée selon", filters.basis.label),
        ("Actions", names(Action, filters.action_ids, "title")),
        (
            "Types d'action",
            ", ".join(kind.label for kind in filters.action_types) or "Tous",
        ),
        (
            "Eligibilités",
            ", ".join(scheme.label for scheme in filters.schemes) or "Toutes",
        ),
        ("Structures des prescripteurs", names(Structure, filters.structure_ids, "name")),
        (
            "Etats",
            ", ".join(status.label for status in filters.statuses)
            or "Tous sauf « Brouillon » (jamais envoyé aux organisateurs)",
        ),
    ]


def age_on(birth_date: date, day: date) -> int:
    """Age in completed years on `day`: it goes up on the birthday itself.

    Someone born on 29 February gets one year older on 1 March in a year without 29 February.
    """
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def age_band(age: int | None) -> str:
    if age is None:
        return AGE_UNKNOWN
    for label, lowest, highest in AGE_BANDS:
        if (lowest is None or age >= lowest) and (highest is None or age <= highest):
            return label
    return AGE_UNKNOWN


def is_under_26(age: int) -> bool:
    return age < 26


def is_young_or_senior(age: int) -> bool:
    """18 to 30 completed years, or 55 completed years and more (the FSE criterion)."""
    return 18 <= age <= 30 or age >= 55


@dataclass(slots=True)
class EntryRow:
    """One registration as the statistics see it, with the candidate and the action."""

    registration_id: int
    candidate_id: int
    last_name: str
    first_name: str
    birth_date: date
    gender: Gender | None
    is_qpv: bool | None
    qualification_level: str | None
    viesion_id: str | None
    france_travail_id: str | None
    # The candidate's own flag, set by the import from the follow-up software (Viesion).
    candidate_is_plie: bool
    action_title: str
    action_type: ActionType
    scheme: EligibilityScheme
    structure: str | None
    is_self_registered: bool
    status: RegistrationStatus
    registered_at: datetime
    entry_at: datetime | None
    entry_day: date | None = None
    age: int | None = None
    eligibility: list = field(default_factory=list)
    attendance: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)

    @property
    def is_plie_participant(self) -> bool:
        """A PLIE participant according to the follow-up software's import, or to this
        registration's eligibility answers: either source is enough."""
        return self.candidate_is_plie or any(e.declares_plie for e in self.eligibility)


def _selection(filters: StatisticsFilters):
    first_session = (
        select(
            RegistrationSession.registration_id.label("registration_id"),
            func.min(Session.starts_at).label("entry_at"),
        )
        .join(Session, Session.id == RegistrationSession.session_id)
        .group_by(RegistrationSession.registration_id)
        .subquery()
    )
    registered_at = func.coalesce(Registration.submitted_at, Registration.created_at)
    query = (
        select(
            Registration.id,
            Registration.candidate_id,
            Candidate.last_name,
            Candidate.first_name,
            Candidate.birth_date,
            Candidate.gender,
            Candidate.is_qpv,
            Candidate.qualification_level,
            Candidate.viesion_id,
            Candidate.france_travail_id,
            Candidate.is_plie_participant,
            Action.title,
            Action.action_type,
            Action.eligibility_scheme,
            Structure.name,
            Registration.is_self_registered,
            Registration.status,
            registered_at.label("registered_at"),
            first_session.c.entry_at,
        )
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .join(Action, Action.id == Registration.action_id)
        .outerjoin(Professional, Professional.id == Registration.prescriber_id)
        .outerjoin(Structure, Structure.id == Professional.structure_id)
        .outerjoin(first_session, first_session.c.registration_id == Registration.id)
    )

    # The period's bounds are days in Paris: from the first one's midnight to the day after.
    since = paris_instant(filters.start)
    until = paris_instant(filters.end + timedelta(days=1))
    if filters.basis is PeriodBasis.SESSION:
        in_period = exists().where(
            RegistrationSession.registration_id == Registration.id,
            Session.id == RegistrationSession.session_id,
            Session.starts_at >= since,
            Session.starts_at < until,
        )
        query = query.where(in_period)
    else:
        query = query.where(and_(registered_at >= since, registered_at < until))

    query = query.where(Registration.status.in_(filters.statuses or SENT_STATUSES))
    if filters.action_ids:
        query = query.where(Registration.action_id.in_(filters.action_ids))
    if filters.action_types:
        query = query.where(Action.action_type.in_(filters.action_types))
    if filters.schemes:
        query = query.where(Action.eligibility_scheme.in_(filters.schemes))
    if filters.structure_ids:
        query = query.where(Professional.structure_id.in_(filters.structure_ids))
    return query.order_by(
        Candidate.last_name_key,
        Candidate.first_name_key,
        Candidate.id,
        first_session.c.entry_at,
        Registration.id,
    )


def _entry(row) -> EntryRow:
    entry = EntryRow(*row)
    if entry.entry_at is not None:
        entry.entry_day = entry.entry_at.astimezone(PARIS).date()
        entry.age = age_on(entry.birth_date, entry.entry_day)
    return entry


def available_breakdowns(db: DbSession) -> dict[str, bool]:
    """Which breakdowns this version records: a source answers None when it records nothing."""
    return {
        "eligibility": breakdowns.eligibility_rows(db, []) is not None,
        "attendance": breakdowns.attendance_rows(db, []) is not None,
        "outcome": breakdowns.outcome_rows(db, []) is not None,
    }


def _attach_breakdowns(db: DbSession, rows: list[EntryRow]) -> None:
    by_id = {row.registration_id: row for row in rows}
    ids = list(by_id)
    sources = (
        (breakdowns.eligibility_rows, "eligibility"),
        (breakdowns.attendance_rows, "attendance"),
        (breakdowns.outcome_rows, "outcomes"),
    )
    for source, attribute in sources:
        for item in source(db, ids) or ():
            getattr(by_id[item.registration_id], attribute).append(item)


def candidate_groups(db: DbSession, filters: StatisticsFilters) -> Iterator[list[EntryRow]]:
    """The selected registrations, streamed and grouped by candidate (names in order)."""
    result = db.exec(_selection(filters).execution_options(yield_per=BATCH_SIZE))
    pending: list[EntryRow] = []
    for batch in result.partitions():
        rows = [_entry(row) for row in batch]
        _attach_breakdowns(db, rows)
        for row in rows:
            if pending and pending[-1].candidate_id != row.candidate_id:
                yield pending
                pending = []
            pending.append(row)
    if pending:
        yield pending


def count_selection(db: DbSession, filters: StatisticsFilters) -> int:
    """How many registrations the filters select (for a progress bar)."""
    selection = _selection(filters).order_by(None).subquery()
    return db.exec(select(func.count()).select_from(selection)).one()


def qualification_modality(code: str | None) -> str:
    level = QUALIFICATION_BY_CODE.get(code or "")
    if level is None:
        return NOT_GIVEN
    return f"{level.label} (ancien niveau {level.former_label}) – CITE {level.isced_group}"


def isced_modality(code: str | None) -> str:
    level = QUALIFICATION_BY_CODE.get(code or "")
    return ISCED_GROUPS[level.isced_group] if level else NOT_GIVEN


def yes_no(value: bool | None) -> str:
    return NOT_GIVEN if value is None else (YES if value else NO)


def modalities(row: EntryRow) -> set[tuple[str, str]]:
    """The (section, modality) pairs that one registration counts in."""
    age = row.age
    pairs = {
        (Section.STATUS, row.status.label),
        (Section.ACTION_TYPE, row.action_type.label),
        (Section.SCHEME, row.scheme.label),
        (Section.GENDER, row.gender.label if row.gender else NOT_GIVEN),
        (Section.AGE, age_band(age)),
        (Section.UNDER_26, AGE_UNKNOWN if age is None else yes_no(is_under_26(age))),
        (
            Section.YOUNG_OR_SENIOR,
            AGE_UNKNOWN if age is None else yes_no(is_young_or_senior(age)),
        ),
        (Section.QPV, yes_no(row.is_qpv)),
        (Section.QUALIFICATION, qualification_modality(row.qualification_level)),
        (Section.ISCED, isced_modality(row.qualification_level)),
    }
    pairs |= {(Section.ELIGIBILITY, f"{e.scheme} – {e.criterion}") for e in row.eligibility}
    pairs |= {(Section.ATTENDANCE, a.attendance) for a in row.attendance}
    pairs |= {(Section.OUTCOME, o.outcome) for o in row.outcomes}
    return pairs
