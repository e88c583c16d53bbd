"""Finding and recording candidates."""

import logging
import re
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit
from plie.dates import today_in_paris
from plie.enums import AuditEvent, Gender
from plie.errors import DomainError, InvalidInput, NotAllowed, NotFound
from plie.models import Candidate
from plie.permissions import (
    CANDIDATE_PERMISSIONS,
    CANDIDATE_REFUSALS,
    CandidateOperation,
    candidate_relations,
)
from plie.reference import QUALIFICATION_BY_CODE
from plie.text import search_key
from plie.validation import (
    FieldError,
    clean_address,
    clean_birth_date,
    clean_email,
    clean_identifier,
    clean_name,
    clean_phone,
)

log = logging.getLogger(__name__)

MIN_SEARCH_LETTERS = 3
MAX_SEARCH_RESULTS = 10
SEARCH_LETTERS_MESSAGE = (
    "Tapez au moins les 3 premières lettres du nom et du prénom "
    "(le nom entier s'il est plus court)."
)


@dataclass
class CandidateInput:
    """What the prescriber typed in the candidate form, before validation."""

    last_name: str = ""
    first_name: str = ""
    birth_date: date | str | None = None
    gender: Gender | str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    is_qpv: bool | None = None
    qualification_level: str | None = None
    france_travail_id: str | None = None
    viesion_id: str | None = None


@dataclass(frozen=True)
class FoundCandidate:
    """What a search shows of a person: enough to recognise them, nothing to reach them."""

    id: int
    last_name: str
    first_name: str
    birth_date: date

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


def search_candidates(
    db: DbSession, *, last_name: str, first_name: str, birth_date: date
) -> list[FoundCandidate]:
    """Candidates whose names start with the letters typed and born on that day.

    Asking for the three first letters of both names and the birth date keeps the search from
    being a way to browse the people the PLIE follows. A name shorter than that ("Ly", "Bâ",
    "Jo") is typed whole and must match whole.
    """
    last_key, first_key = search_key(last_name), search_key(first_name)
    if not last_key or not first_key:
        raise InvalidInput({"search": SEARCH_LETTERS_MESSAGE})
    query = (
        select(Candidate)
        .where(
            Candidate.birth_date == birth_date,
            _name_matches(Candidate.last_name_key, last_key),
            _name_matches(Candidate.first_name_key, first_key),
        )
        .order_by(Candidate.last_name_key, Candidate.first_name_key)
        .limit(MAX_SEARCH_RESULTS)
    )
    return [FoundCandidate(c.id, c.last_name, c.first_name, c.birth_date) for c in db.exec(query)]


# The fields beyond the names and birth date, read in full only by those with a reason to
# (plie.permissions.CANDIDATE_PERMISSIONS); the others may replace them, never read them.
DETAIL_FIELDS = (
    "gender",
    "phone",
    "email",
    "address",
    "is_qpv",
    "qualification_level",
    "france_travail_id",
    "viesion_id",
)
MASKED_NOTE = (
    "Coordonnées masquées : vous les verrez une fois l'inscription envoyée aux organisateurs. "
    "Vous pouvez déjà remplacer une valeur qui a changé, dans « Modifier les informations »."
)
REPLACE_ONLY_NOTE = (
    "Les informations déjà renseignées restent masquées : laissez un champ vide pour garder "
    "la valeur enregistrée, ou tapez la nouvelle pour la remplacer."
)
MASK = "•"
GIVEN = "Renseigné"
ADDRESS_GIVEN = "Adresse renseignée"


def mask_phone(phone: str | None) -> str:
    """ "06 •• •• •• 12": enough to tell two numbers apart on the phone, not to call."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if len(digits) < 6:
        return MASK * 2
    return f"{digits[:2]} {MASK * 2} {MASK * 2} {MASK * 2} {digits[-2:]}"


def mask_email(email: str | None) -> str:
    """ "j•••@•••.fr": the first letter and the domain's ending only."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    ending = domain.rsplit(".", 1)[1] if "." in domain else ""
    return f"{local[:1]}{MASK * 3}@{MASK * 3}" + (f".{ending}" if ending else "")


@dataclass(frozen=True)
class CandidateDetails:
    """A person as one professional may see them: in full, or masked beyond the names and
    birth date. Masked, the text fields hold the masked value ("" when nothing is recorded)
    and the others None."""

    id: int
    last_name: str
    first_name: str
    birth_date: date
    in_full: bool
    may_change: bool
    phone: str
    email: str
    address: str
    france_travail_id: str
    viesion_id: str
    gender: Gender | None
    is_qpv: bool | None
    qualification_level: str | None
    is_plie_participant: bool | None

    @property
    def display_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


def _allowed(relations, operation: CandidateOperation) -> bool:
    return any(operation in CANDIDATE_PERMISSIONS[relation] for relation in relations)


def details_of(db: DbSession, *, by: int, candidate: Candidate) -> CandidateDetails:
    """The candidate as `by` may see them: the masking is done here, never by a page."""
    relations = candidate_relations(db, professional_id=by, candidate=candidate)
    in_full = _allowed(relations, CandidateOperation.READ_DETAILS)
    identity = {
        "id": candidate.id,
        "last_name": candidate.last_name,
        "first_name": candidate.first_name,
        "birth_date": candidate.birth_date,
        "in_full": in_full,
        "may_change": _allowed(relations, CandidateOperation.CHANGE_DETAILS),
    }
    if in_full:
        return CandidateDetails(
            **identity,
            phone=candidate.phone or "",
            email=candidate.email or "",
            address=candidate.address or "",
            france_travail_id=candidate.france_travail_id or "",
            viesion_id=candidate.viesion_id or "",
            gender=candidate.gender,
            is_qpv=candidate.is_qpv,
            qualification_level=candidate.qualification_level,
            is_plie_participant=candidate.is_plie_participant,
        )
    return CandidateDetails(
        **identity,
        phone=mask_phone(candidate.phone),
        email=mask_email(candidate.email),
        address=ADDRESS_GIVEN if candidate.address else "",
        france_travail_id=GIVEN if candidate.france_travail_id else "",
        viesion_id=GIVEN if candidate.viesion_id else "",
        gender=None,
        is_qpv=None,
        qualification_level=None,
        is_plie_participant=None,
    )


def candidate_details(db: DbSession, *, by: int, candidate_id: int) -> CandidateDetails:
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("Ce candidat n'existe pas ou plus.")
    return details_of(db, by=by, candidate=candidate)


def _name_matches(column, key: str):
    """Three letters or more start the name; fewer are the whole name."""
    return column.startswith(key) if len(key) >= MIN_SEARCH_LETTERS else column == key


def _validated_fields(data: CandidateInput) -> dict:
    cleaners = {
        "last_name": lambda: clean_name(data.last_name, label="Nom"),
        "first_name": lambda: clean_name(data.first_name, label="Prénom"),
        "birth_date": lambda: clean_birth_date(data.birth_date, today=today_in_paris()),
        "gender": lambda: _clean_gender(data.gender),
        "phone": lambda: clean_phone(data.phone, required=True),
        "email": lambda: clean_email(data.email),
        "address": lambda: clean_address(data.address, required=True),
        "qualification_level": lambda: _clean_qualification(data.qualification_level),
        "france_travail_id": lambda: clean_identifier(
            data.france_travail_id, label="N° France Travail", max_length=11
        ),
        "viesion_id": lambda: clean_identifier(data.viesion_id, label="N° Viesion", max_length=30),
    }
    values, errors = {}, {}
    for field_name, clean in cleaners.items():
        try:
            values[field_name] = clean()
        except FieldError as error:
            errors[field_name] = str(error)
    if errors:
        raise InvalidInput(errors)
    values["is_qpv"] = data.is_qpv
    return values


def _clean_gender(value) -> Gender:
    try:
        return Gender(value)
    except ValueError:
        raise FieldError("Le champ « Genre » est obligatoire.") from None


def _clean_qualification(value: str | None) -> str:
    if not value or value not in QUALIFICATION_BY_CODE:
        raise FieldError("Le champ « Niveau de qualification » est obligatoire.")
    return value


def _apply(candidate: Candidate, values: dict) -> None:
    for field_name, value in values.items():
        setattr(candidate, field_name, value)
    candidate.last_name_key = search_key(candidate.last_name)
    candidate.first_name_key = search_key(candidate.first_name)


def create_candidate(db: DbSession, *, by: int, data: CandidateInput) -> Candidate:
    """A new candidate, once every field is valid and nobody with the same identity exists."""
    values = _validated_fields(data)

    existing = db.exec(
        select(Candidate.id).where(
            Candidate.last_name_key == search_key(values["last_name"]),
            Candidate.first_name_key == search_key(values["first_name"]),
            Candidate.birth_date == values["birth_date"],
        )
    ).first()
    if existing is not None:
        raise DomainError(
            "Un candidat avec ces nom, prénom et date de naissance existe déjà : "
            "effectuez une nouvelle recherche pour le retrouver."
        )

    candidate = Candidate(
        last_name="",
        first_name="",
        birth_date=values["birth_date"],
        last_name_key="",
        first_name_key="",
        created_by_id=by,
    )
    _apply(candidate, values)
    db.add(candidate)
    db.commit()
    log.info("candidate_created candidate=%s by=%s", candidate.id, by)
    return candidate


def _kept_unless_replaced(candidate: Candidate, data: CandidateInput) -> tuple[dict, list[str]]:
    """For someone who cannot read the details: a field left empty keeps the value recorded,
    a field typed replaces it. The names and birth date, which they see, are as typed."""
    kept, replaced = {}, []
    for name in DETAIL_FIELDS:
        typed = getattr(data, name)
        if typed is None or (isinstance(typed, str) and not typed.strip()):
            kept[name] = getattr(candidate, name)
        else:
            replaced.append(name)
    return kept, replaced


def update_candidate(
    db: DbSession, *, by: int, candidate_id: int, data: CandidateInput
) -> Candidate:
    """Change a candidate's details: for the prescribers of one of their registrations.

    A prescriber who may not read the details (their registration is still a draft) replaces
    a value without reading the former one, nor emptying it; the trail records which fields.
    """
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        raise DomainError("Ce candidat n'existe pas ou plus.")
    relations = candidate_relations(db, professional_id=by, candidate=candidate)
    if not _allowed(relations, CandidateOperation.CHANGE_DETAILS):
        raise NotAllowed(CANDIDATE_REFUSALS[CandidateOperation.CHANGE_DETAILS])
    replaced = None
    if not _allowed(relations, CandidateOperation.READ_DETAILS):
        kept, replaced = _kept_unless_replaced(candidate, data)
        data = replace(data, **kept)
    values = _validated_fields(data)

    twin = db.exec(
        select(Candidate.id).where(
            Candidate.id != candidate_id,
            Candidate.last_name_key == search_key(values["last_name"]),
            Candidate.first_name_key == search_key(values["first_name"]),
            Candidate.birth_date == values["birth_date"],
        )
    ).first()
    if twin is not None:
        raise DomainError(
            "Un autre candidat avec ces nom, prénom et date de naissance existe déjà : "
            "vérifiez l'identité saisie."
        )
    _apply(candidate, values)
    db.add(candidate)
    if replaced:
        audit.record(
            db,
            professional_id=by,
            event=AuditEvent.CHANGE,
            object_type="candidate",
            object_id=candidate.id,
            detail="replaced_without_reading=" + ",".join(replaced),
        )
    db.commit()
    log.info("candidate_updated candidate=%s by=%s", candidate.id, by)
    return candidate
