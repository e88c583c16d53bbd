"""Finding and recording candidates."""

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.dates import today_in_paris
from plie.enums import Gender
from plie.errors import DomainError, InvalidInput, NotAllowed
from plie.models import Candidate, CoPrescriber, Registration
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


def search_candidates(
    db: DbSession, *, last_name: str, first_name: str, birth_date: date
) -> list[Candidate]:
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
    return list(db.exec(query))


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
    )
    _apply(candidate, values)
    db.add(candidate)
    db.commit()
    log.info("candidate_created candidate=%s by=%s", candidate.id, by)
    return candidate


def update_candidate(
    db: DbSession, *, by: int, candidate_id: int, data: CandidateInput
) -> Candidate:
    """Change a candidate's details: for the prescribers of one of their registrations."""
    candidate = db.get(Candidate, candidate_id)
    if candidate is None:
        raise DomainError("Ce candidat n'existe pas ou plus.")
    follows = db.exec(
        select(Registration.id)
        .outerjoin(CoPrescriber, CoPrescriber.registration_id == Registration.id)
        .where(
            Registration.candidate_id == candidate_id,
            or_(Registration.prescriber_id == by, CoPrescriber.professional_id == by),
        )
    ).first()
    if follows is None:
        raise NotAllowed(
            "Seuls les prescripteurs d'une inscription de ce candidat peuvent modifier ses "
            "informations."
        )
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
    db.commit()
    log.info("candidate_updated candidate=%s by=%s", candidate.id, by)
    return candidate
