"""Every cell of the candidate table (need to know), walked through the real domain functions.

Each professional stands in one relation to the person (plie.permissions.CandidateRelation).
Reading the details in full is what the table allows; everyone else gets them masked, without
any of the values recorded. Changing them is tried with the whole form.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import select

from plie.candidates import (
    CandidateInput,
    candidate_details,
    create_candidate,
    mask_email,
    mask_phone,
    search_candidates,
    update_candidate,
)
from plie.confirmation import confirmation_body
from plie.enums import AuditEvent, Gender, MemberRole
from plie.errors import NotAllowed
from plie.models import AuditEntry, Candidate, Professional, Registration
from plie.permissions import (
    CANDIDATE_PERMISSIONS,
    CANDIDATE_REFUSALS,
    CandidateOperation,
    CandidateRelation,
    candidate_relations,
)
from plie.queries import registration_view
from plie.registrations import save_registration, submit_registration
from tests.builders import (
    STATISTICS_ANSWERED,
    a_co_prescriber,
    a_member,
    a_professional,
    an_action,
)

PHONE, EMAIL = "06 39 98 00 12", "jeanne.moreau@exemple.fr"
ADDRESS, FRANCE_TRAVAIL, VIESION = "7 rue Nicolas Chorier, 38000 Grenoble", "1234567A", "VIE42"
RECORDED = (PHONE, EMAIL, ADDRESS, FRANCE_TRAVAIL, VIESION)

PEOPLE = {
    "creator": CandidateRelation.CREATOR,
    "prescriber": CandidateRelation.SENT_PRESCRIBER,
    "co-prescriber": CandidateRelation.SENT_PRESCRIBER,
    "pilot": CandidateRelation.ORGANISER,
    "copilot": CandidateRelation.ORGANISER,
    "partner": CandidateRelation.ORGANISER,
    "coordinator": CandidateRelation.COORDINATOR,
    "draft prescriber": CandidateRelation.DRAFT_PRESCRIBER,
    "draft co-prescriber": CandidateRelation.DRAFT_PRESCRIBER,
    "counsellor of another structure": CandidateRelation.NONE,
    "admin": CandidateRelation.NONE,
    "organiser of another action": CandidateRelation.NONE,
}


@dataclass
class World:
    people: dict[str, Professional]
    candidate: Candidate
    draft: Registration


def identity(**details) -> CandidateInput:
    return CandidateInput(
        last_name="Moreau", first_name="Jeanne", birth_date=date(1988, 3, 9), **details
    )


def a_world(db) -> World:
    people = {name: a_professional(db, first_name=name.split()[0].capitalize()) for name in PEOPLE}
    for name, flag in (("coordinator", "is_coordinator"), ("admin", "is_admin")):
        setattr(people[name], flag, True)
    db.commit()
    candidate = create_candidate(
        db,
        by=people["creator"].id,
        data=identity(
            gender=Gender.FEMALE,
            phone=PHONE,
            email=EMAIL,
            address=ADDRESS,
            is_qpv=True,
            qualification_level="4",
            france_travail_id=FRANCE_TRAVAIL,
            viesion_id=VIESION,
        ),
    )
    # Sent by the prescriber to one action; a draft of another prescriber on a second one.
    sent_to = an_action(db, pilot=people["pilot"])
    a_member(db, sent_to, people["copilot"], MemberRole.COPILOT)
    a_member(db, sent_to, people["partner"], MemberRole.PARTNER)
    drafted_on = an_action(db, pilot=people["organiser of another action"])
    sent = save_registration(
        db,
        by=people["prescriber"].id,
        action_id=sent_to.id,
        candidate_id=candidate.id,
        session_ids=[sent_to.sessions[0].id],
        submit=True,
        answers=STATISTICS_ANSWERED,
    )
    a_co_prescriber(db, sent.id, people["co-prescriber"])
    draft = save_registration(
        db,
        by=people["draft prescriber"].id,
        action_id=drafted_on.id,
        candidate_id=candidate.id,
        session_ids=[drafted_on.sessions[0].id],
        submit=False,
        answers=STATISTICS_ANSWERED,
    )
    a_co_prescriber(db, draft.id, people["draft co-prescriber"])
    return World(people, candidate, draft)


def read_details(db, person, world):
    return candidate_details(db, by=person.id, candidate_id=world.candidate.id)


def change_details(db, person, world):
    update_candidate(
        db,
        by=person.id,
        candidate_id=world.candidate.id,
        data=identity(
            gender=Gender.FEMALE,
            phone="07 11 22 33 44",
            email=EMAIL,
            address=ADDRESS,
            is_qpv=True,
            qualification_level="4",
        ),
    )


@pytest.mark.parametrize("name", PEOPLE)
def test_each_relation_holds_exactly_its_cell(db, name):
    world = a_world(db)

    relations = candidate_relations(
        db, professional_id=world.people[name].id, candidate=world.candidate
    )

    assert relations == {PEOPLE[name]}


@pytest.mark.parametrize("name", PEOPLE)
def test_the_details_are_read_in_full_only_where_the_table_allows(db, name):
    world = a_world(db)
    allowed = CandidateOperation.READ_DETAILS in CANDIDATE_PERMISSIONS[PEOPLE[name]]

    shown = read_details(db, world.people[name], world)

    assert shown.display_name == "MOREAU Jeanne" and shown.birth_date == date(1988, 3, 9)
    if allowed:
        assert shown.in_full
        assert (shown.phone, shown.email, shown.address) == (PHONE, EMAIL, ADDRESS)
        assert (shown.france_travail_id, shown.viesion_id) == (FRANCE_TRAVAIL, VIESION)
        assert (shown.gender, shown.is_qpv, shown.qualification_level) == (
            Gender.FEMALE,
            True,
            "4",
        )
    else:
        assert not shown.in_full
        assert (shown.phone, shown.email, shown.address) == (
            "06 •• •• •• 12",
            "j•••@•••.fr",
            "Adresse renseignée",
        )
        assert (shown.france_travail_id, shown.viesion_id) == ("Renseigné", "Renseigné")
        assert (shown.gender, shown.is_qpv, shown.qualification_level) == (None, None, None)
        assert not any(value in repr(shown) for value in RECORDED)


@pytest.mark.parametrize("name", PEOPLE)
def test_the_details_are_changed_only_where_the_table_allows(db, name):
    world = a_world(db)
    allowed = CandidateOperation.CHANGE_DETAILS in CANDIDATE_PERMISSIONS[PEOPLE[name]]

    if allowed:
        change_details(db, world.people[name], world)
        db.expire_all()
        assert db.get(Candidate, world.candidate.id).phone == "07 11 22 33 44"
    else:
        with pytest.raises(NotAllowed) as refused:
            change_details(db, world.people[name], world)
        assert refused.value.message == CANDIDATE_REFUSALS[CandidateOperation.CHANGE_DETAILS]


def test_every_relation_and_operation_has_a_cell_and_is_walked():
    assert set(CANDIDATE_PERMISSIONS) == set(CandidateRelation)
    assert set(PEOPLE.values()) == set(CandidateRelation)
    assert set(CANDIDATE_REFUSALS) == set(CandidateOperation)


def test_a_prescriber_reads_the_details_once_their_registration_is_sent(db):
    world = a_world(db)
    prescriber = world.people["draft prescriber"]
    assert not read_details(db, prescriber, world).in_full

    submit_registration(db, by=prescriber.id, registration_id=world.draft.id)

    assert read_details(db, prescriber, world).phone == PHONE


def test_the_registration_file_of_a_draft_shows_its_prescriber_the_person_masked(db):
    world = a_world(db)

    file = registration_view(
        db,
        by=world.people["draft prescriber"].id,
        registration_id=world.draft.id,
        today=date.today(),
    )

    assert (file.candidate.phone, file.candidate.email) == ("06 •• •• •• 12", "j•••@•••.fr")
    assert not hasattr(file.candidate, "_sa_instance_state")  # not the stored record


def test_a_masked_value_is_replaced_without_reading_and_the_others_are_kept(db):
    world = a_world(db)
    prescriber = world.people["draft prescriber"]

    # The person changed phone: only the new one is typed, every other detail left empty.
    update_candidate(
        db,
        by=prescriber.id,
        candidate_id=world.candidate.id,
        data=identity(phone="07 11 22 33 44", email="", address=" "),
    )

    db.expire_all()
    stored = db.get(Candidate, world.candidate.id)
    assert (stored.phone, stored.email, stored.address) == ("07 11 22 33 44", EMAIL, ADDRESS)
    assert (stored.gender, stored.is_qpv, stored.qualification_level) == (Gender.FEMALE, True, "4")
    assert (stored.france_travail_id, stored.viesion_id) == (FRANCE_TRAVAIL, VIESION)
    assert read_details(db, prescriber, world).phone == "07 •• •• •• 44"
    entry = db.exec(
        select(AuditEntry).where(
            AuditEntry.object_type == "candidate", AuditEntry.professional_id == prescriber.id
        )
    ).one()
    assert (entry.event, entry.object_id, entry.detail) == (
        AuditEvent.CHANGE,
        world.candidate.id,
        "replaced_without_reading=phone",
    )


def test_a_reader_in_full_still_empties_an_optional_detail(db):
    world = a_world(db)

    update_candidate(
        db,
        by=world.people["prescriber"].id,
        candidate_id=world.candidate.id,
        data=identity(
            gender=Gender.FEMALE,
            phone=PHONE,
            email="",
            address=ADDRESS,
            is_qpv=True,
            qualification_level="4",
        ),
    )

    db.expire_all()
    assert db.get(Candidate, world.candidate.id).email is None


def test_the_search_gives_names_and_birth_date_only(db):
    world = a_world(db)

    [found] = search_candidates(db, last_name="mor", first_name="jea", birth_date=date(1988, 3, 9))

    assert (found.id, found.display_name) == (world.candidate.id, "MOREAU Jeanne")
    assert not any(value in repr(found) for value in RECORDED)


def test_the_confirmation_email_to_the_prescribers_holds_no_contact_detail(db):
    a_world(db)
    sent = db.exec(select(Registration).where(Registration.status != "draft")).one()

    body = confirmation_body(db, sent)

    assert "MOREAU Jeanne" in body
    assert not any(value in body for value in RECORDED)


def test_masks_keep_the_ends_only():
    assert mask_phone("06 39 98 00 12") == "06 •• •• •• 12"
    assert mask_phone(None) == mask_email(None) == ""
    assert mask_email("jeanne.moreau@exemple.fr") == "j•••@•••.fr"
    assert mask_email("a@localhost") == "a•••@•••"
