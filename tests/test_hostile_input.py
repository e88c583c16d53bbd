"""Whatever people type, each validator answers with a normalised value or a French message."""

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from plie.validation import (
    FieldError,
    clean_address,
    clean_birth_date,
    clean_email,
    clean_identifier,
    clean_name,
    clean_phone,
)

TODAY = date(2026, 12, 4)
# A message is our own French sentence: it never echoes what was typed (no markup, no script).
FRENCH = re.compile(r"[A-Za-zÀ-ÿ«»’'()., :;/@0-9\-]+")
anything = st.text(max_size=300)
digits_and_separators = st.text(alphabet="0123456789 .-+/()", max_size=25)


def answer(cleaner, value, **options):
    """The value the cleaner returns, or its message: nothing else may come out."""
    try:
        return cleaner(value, **options), None
    except FieldError as error:
        message = str(error)
        assert message and FRENCH.fullmatch(message), message
        return None, message


@given(anything)
def test_names_are_normalised_or_refused_in_french(value):
    cleaned, message = answer(clean_name, value, label="Nom")
    if message is None:
        assert cleaned == cleaned.strip() and "  " not in cleaned and len(cleaned) <= 100
        assert clean_name(cleaned, label="Nom") == cleaned
        assert not any(char in cleaned for char in '<>&"\\;=')


@given(st.one_of(anything, st.dates()))
def test_birth_dates_are_plausible_or_refused_in_french(value):
    cleaned, message = answer(clean_birth_date, value, today=TODAY)
    if message is None:
        assert date(1926, 1, 1) <= cleaned <= date(2011, 12, 4)


@given(st.one_of(anything, digits_and_separators))
def test_phones_become_ten_digits_in_pairs_or_are_refused_in_french(value):
    cleaned, message = answer(clean_phone, value, required=False)
    if message is None and cleaned is not None:
        assert re.fullmatch(r"0[1-9]( \d\d){4}", cleaned)
        assert clean_phone(cleaned, required=True) == cleaned


@given(st.one_of(anything, st.emails()))
def test_emails_are_lower_case_or_refused_in_french(value):
    cleaned, message = answer(clean_email, value)
    if message is None and cleaned is not None:
        assert cleaned == cleaned.lower() and "@" in cleaned and " " not in cleaned
        assert clean_email(cleaned) == cleaned


@given(anything)
def test_identifiers_are_upper_case_letters_and_digits_or_refused(value):
    cleaned, message = answer(clean_identifier, value, label="Identifiant France Travail")
    if message is None and cleaned is not None:
        assert re.fullmatch(r"[A-Z0-9\-]{1,20}", cleaned)


@given(anything)
def test_addresses_are_bounded_or_refused(value):
    cleaned, message = answer(clean_address, value, required=False)
    if message is None and cleaned is not None:
        assert 0 < len(cleaned) <= 250


@settings(max_examples=50)
@given(st.sampled_from(["", "   ", "\n"]))
def test_required_fields_left_empty_say_which_field(value):
    for cleaner, options, label in (
        (clean_name, {"label": "Prénom"}, "Prénom"),
        (clean_phone, {"required": True}, "Téléphone"),
        (clean_email, {"required": True}, "Email"),
        (clean_address, {"required": True}, "Adresse"),
    ):
        _, message = answer(cleaner, value, **options)
        assert message and label in message
