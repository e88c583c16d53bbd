"""Duplicates: found by birth date and near names, twins left apart, merges recorded."""

from datetime import date

import pytest
from sqlmodel import select

from plie.duplicates import (
    NOT_THE_SAME_PERSON,
    edit_distance,
    find_duplicates,
    merge_candidates,
)
from plie.enums import Gender
from plie.errors import DomainError, NotAllowed
from plie.models import Candidate, CandidateMerge, Registration
from plie.registrations import save_registration
from tests.builders import STATISTICS_ANSWERED, a_candidate, a_professional, an_action

BORN = date(1988, 9, 9)


@pytest.fixture
def coordinator(db):
    return a_professional(db, is_coordinator=True)


def pairs(db, coordinator) -> set[tuple[str, str]]:
    return {
        (pair.first.display_name, pair.second.display_name)
        for pair in find_duplicates(db, by=coordinator.id)
    }


def test_spelling_variants_with_the_same_birth_date_are_flagged(db, coordinator):
    a_candidate(db, last_name="Garnier", first_name="Benoît", birth_date=BORN)
    a_candidate(db, last_name="Garnié", first_name="Benoit", birth_date=BORN)
    a_candidate(db, last_name="Chevalier", first_name="Mathis", birth_date=date(1990, 1, 2))
    a_candidate(db, last_name="Chevallier", first_name="Mathys", birth_date=date(1990, 1, 2))
    a_candidate(db, last_name="Dupont", first_name="Jean", birth_date=date(1970, 3, 3))
    a_candidate(db, last_name="Dupont-Martin", first_name="Jean", birth_date=date(1970, 3, 3))

    assert pairs(db, coordinator) == {
        ("GARNIER Benoît", "GARNIÉ Benoit"),
        ("CHEVALIER Mathis", "CHEVALLIER Mathys"),
        ("DUPONT Jean", "DUPONT-MARTIN Jean"),
    }


def test_twins_and_namesakes_born_another_day_are_not_flagged(db, coordinator):
    a_candidate(db, last_name="Martin", first_name="Léa", birth_date=BORN)
    a_candidate(db, last_name="Martin", first_name="Léo", birth_date=BORN)
    a_candidate(db, last_name="Martin", first_name="Nicolas", birth_date=BORN)
    a_candidate(db, last_name="Garnier", first_name="Benoît", birth_date=date(1988, 9, 10))
    louis = a_candidate(db, last_name="Bernard", first_name="Louis", birth_date=BORN)
    louise = a_candidate(db, last_name="Bernard", first_name="Louise", birth_date=BORN)
    louise.gender = Gender.FEMALE
    db.add(louise)
    db.commit()

    assert louis.gender is Gender.MALE
    assert pairs(db, coordinator) == set()


def test_a_merge_keeps_every_registration_and_is_recorded(db, coordinator):
    prescriber = a_professional(db)
    first_action, second_action = an_action(db), an_action(db)
    kept = a_candidate(db, last_name="Garnier", first_name="Benoît", birth_date=BORN)
    twin_record = a_candidate(db, last_name="Garnié", first_name="Benoît", birth_date=BORN)
    twin_record.email = "benoit.garnier@exemple.fr"
    db.add(twin_record)
    db.commit()
    for action, candidate in ((first_action, kept), (second_action, twin_record)):
        save_registration(
            db,
            by=prescriber.id,
            action_id=action.id,
            candidate_id=candidate.id,
            session_ids=[s.id for s in action.sessions],
            submit=True,
            answers=STATISTICS_ANSWERED,
        )
    merged_id = twin_record.id

    merge_candidates(db, by=coordinator.id, kept_id=kept.id, merged_id=merged_id)

    db.expire_all()
    assert db.get(Candidate, merged_id) is None
    registrations = db.exec(select(Registration)).all()
    assert len(registrations) == 2 and {r.candidate_id for r in registrations} == {kept.id}
    assert db.get(Candidate, kept.id).email == "benoit.garnier@exemple.fr"
    record = db.exec(select(CandidateMerge)).one()
    assert (record.kept_candidate_id, record.merged_candidate_id) == (kept.id, merged_id)
    assert (record.registrations_moved, record.by_id) == (1, coordinator.id)


def test_twins_are_never_merged(db, coordinator):
    lea = a_candidate(db, last_name="Martin", first_name="Léa", birth_date=BORN)
    leo = a_candidate(db, last_name="Martin", first_name="Léo", birth_date=BORN)

    with pytest.raises(DomainError) as refused:
        merge_candidates(db, by=coordinator.id, kept_id=lea.id, merged_id=leo.id)

    assert refused.value.message == NOT_THE_SAME_PERSON
    assert db.get(Candidate, leo.id) is not None
    assert db.exec(select(CandidateMerge)).all() == []


def test_only_coordinators_see_and_merge_duplicates(db):
    prescriber = a_professional(db)
    a = a_candidate(db, last_name="Garnier", first_name="Benoît", birth_date=BORN)
    b = a_candidate(db, last_name="Garnié", first_name="Benoît", birth_date=BORN)

    with pytest.raises(NotAllowed):
        find_duplicates(db, by=prescriber.id)
    with pytest.raises(NotAllowed):
        merge_candidates(db, by=prescriber.id, kept_id=a.id, merged_id=b.id)


def test_edit_distance_counts_a_swap_as_one_slip():
    assert edit_distance("garnier", "garnie") == 1
    assert edit_distance("mathis", "mahtis") == 1
    assert edit_distance("lea", "leo") == 1
    assert edit_distance("", "abc") == 3
