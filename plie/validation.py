"""Validators for what people type: a normalised value, or a FieldError in French."""

import re
from datetime import date

from plie.dates import parse_french_date

NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '’\-][^\W\d_]+)*$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ADDRESS_LENGTH = 250


class FieldError(ValueError):
    """One field's French message."""


def clean_name(value: str, *, label: str) -> str:
    value = re.sub(r"\s+", " ", (value or "").strip())
    if not value:
        raise FieldError(f"Le champ « {label} » est obligatoire.")
    if len(value) > 100:
        raise FieldError(f"Le champ « {label} » ne peut dépasser 100 caractères.")
    if not NAME_PATTERN.match(value):
        raise FieldError(
            f"Le champ « {label} » ne peut contenir que des lettres, des espaces, "
            "des traits d'union et des apostrophes."
        )
    return value


def clean_birth_date(value: date | str | None, *, today: date) -> date:
    if isinstance(value, str):
        parsed = parse_french_date(value)
        if parsed is None:
            raise FieldError("La date de naissance doit être au format jj/mm/aaaa.")
        value = parsed
    if value is None:
        raise FieldError("Le champ « Date de naissance » est obligatoire.")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if value > today or age > 100:
        raise FieldError("La date de naissance n'est pas plausible : vérifiez-la.")
    if age < 15:
        raise FieldError("Le candidat doit avoir au moins 15 ans.")
    return value


def clean_phone(value: str | None, *, required: bool) -> str | None:
    """French numbers in any usual writing become '06 12 34 56 78'."""
    digits = re.sub(r"[\s.\-/()]", "", value or "")
    if not digits:
        if required:
            raise FieldError("Le champ « Téléphone » est obligatoire.")
        return None
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[1-9]\d{8}", digits):
        raise FieldError(
            "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78."
        )
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def clean_email(value: str | None, *, required: bool = False) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        if required:
            raise FieldError("Le champ « Email » est obligatoire.")
        return None
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        raise FieldError("L'adresse email n'est pas valide, par exemple prenom.nom@exemple.fr.")
    return value


def clean_address(value: str | None, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise FieldError("Le champ « Adresse » est obligatoire.")
        return None
    if len(value) > MAX_ADDRESS_LENGTH:
        raise FieldError(f"L'adresse ne peut dépasser {MAX_ADDRESS_LENGTH} caractères.")
    return value


def clean_identifier(value: str | None, *, label: str, max_length: int = 20) -> str | None:
    value = re.sub(r"\s+", "", value or "").upper()
    if not value:
        return None
    if len(value) > max_length or not re.fullmatch(r"[A-Z0-9\-]+", value):
        raise FieldError(
            f"Le champ « {label} » ne peut contenir que des lettres et des chiffres "
            f"({max_length} au plus)."
        )
    return value
