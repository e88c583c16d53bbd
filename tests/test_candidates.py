"""Finding candidates by the first letters of their names, and validating new ones."""

from datetime import date

import pytest

from plie.candidates import CandidateInput, create_candidate, search_candidates
from plie.errors import DomainError, InvalidInput
from tests.builders import a_candidate, a_professional


def test_search_ignores_case_and_accents(db):
    lefevre = a_candidate(db, last_name="Lefèvre", first_name="Élodie")

    found = search_candidates(db, last_name="lefe", first_name="ELO", birth_date=lefevre.birth_date)

    assert [c.id for c in found] == [lefevre.id]


def test_search_needs_the_birth_date_to_match(db):
    lefevre = a_candidate(db, last_name="Lefèvre", first_name="Élodie")

    found = search_candidates(db, last_name="lef", first_name="elo", birth_date=date(1991, 1, 1))

    assert found == [] and lefevre.id


def test_search_asks_for_both_names(db):
    with pytest.raises(InvalidInput) as refused:
        search_candidates(db, last_name=" - ", first_name="elo", birth_date=date(1990, 5, 17))

    assert str(refused.value) == (
        "Tapez au moins les 3 premières lettres du nom et du prénom "
        "(le nom entier s'il est plus court)."
    )


def test_fewer_than_three_letters_match_a_short_name_whole_only(db):
    ly = a_candidate(db, last_name="Ly", first_name="Bo", birth_date=date(1990, 5, 17))
    a_candidate(db, last_name="Lyon", first_name="Bora", birth_date=date(1990, 5, 17))

    found = search_candidates(db, last_name="LY", first_name="bo", birth_date=date(1990, 5, 17))
    prefix_only = search_candidates(db, last_name="ly", first_name="b", birth_date=ly.birth_date)

    assert [c.id for c in found] == [ly.id]
    assert prefix_only == []


def test_three_letters_or_more_still_find_by_the_start_of_the_name(db):
    lyon = a_candidate(db, last_name="Lyon", first_name="Bora", birth_date=date(1990, 5, 17))

    found = search_candidates(db, last_name="lyo", first_name="bor", birth_date=lyon.birth_date)

    assert [c.id for c in found] == [lyon.id]


def valid_input(**changes) -> CandidateInput:
    values = dict(
        last_name="N'Diaye-Martin",
        first_name="Anne Sophie",
        birth_date=date(1988, 2, 29),
        gender="female",
        phone="+33 6 39 98 00 12",
        email="Anne.Sophie@Exemple.FR",
        address="4 rue Très-Cloîtres, 38000 Grenoble",
        qualification_level="4",
        france_travail_id="1234567a",
    )
    values.update(changes)
    return CandidateInput(**values)


def test_a_new_candidate_is_normalised(db):
    me = a_professional(db)

    candidate = create_candidate(db, by=me.id, data=valid_input())

    assert candidate.phone == "06 39 98 00 12"
    assert candidate.email == "anne.sophie@exemple.fr"
    assert candidate.france_travail_id == "1234567A"
    assert candidate.last_name_key == "ndiayemartin"


def test_every_invalid_field_gets_its_own_french_message(db):
    me = a_professional(db)

    with pytest.raises(InvalidInput) as refused:
        create_candidate(
            db,
            by=me.id,
            data=valid_input(
                last_name="",
                phone="12345",
                email="pas-un-email",
                address="x" * 251,
                gender=None,
                qualification_level=None,
            ),
        )

    assert refused.value.errors == {
        "last_name": "Le champ « Nom » est obligatoire.",
        "gender": "Le champ « Genre » est obligatoire.",
        "phone": "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78.",
        "email": "L'adresse email n'est pas valide, par exemple prenom.nom@exemple.fr.",
        "address": "L'adresse ne peut dépasser 250 caractères.",
        "qualification_level": "Le champ « Niveau de qualification » est obligatoire.",
    }


def test_a_birth_date_in_the_future_is_refused(db):
    me = a_professional(db)

    with pytest.raises(InvalidInput) as refused:
        create_candidate(db, by=me.id, data=valid_input(birth_date=date(2999, 1, 1)))

    assert refused.value.errors["birth_date"] == (
        "La date de naissance n'est pas plausible : vérifiez-la."
    )


def test_the_same_person_is_not_created_twice(db):
    me = a_professional(db)
    create_candidate(db, by=me.id, data=valid_input())

    with pytest.raises(DomainError) as refused:
        create_candidate(db, by=me.id, data=valid_input(last_name="N'DIAYE MARTIN"))

    assert str(refused.value) == (
        "Un candidat avec ces nom, prénom et date de naissance existe déjà : "
        "effectuez une nouvelle recherche pour le retrouver."
    )
