"""After the first save: sessions, recruitment slots, co-prescribers, what each state allows,
and the confirmation email."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from plie import coprescribers
from plie.candidates import CandidateInput, update_candidate
from plie.dates import today_in_paris
from plie.db import writing
from plie.enums import RegistrationStatus
from plie.errors import (
    DomainError,
    InvalidInput,
    NoPlaceLeft,
    NotAllowed,
    RegistrationClosed,
    TransitionRefused,
)
from plie.models import Candidate, OutboxEmail, Registration, RegistrationSlot, Session, Slot
from plie.queries import registration_view
from plie.recruitment import choose_slots, grids
from plie.registration_edits import FormAnswers, save_answers, set_sessions
from plie.registrations import (
    change_status,
    delete_registration,
    save_registration,
    submit_registration,
    unregister,
)
from tests.builders import (
    STATISTICS_ANSWERED,
    a_candidate,
    a_professional,
    a_recruitment_session,
    an_action,
)

S = RegistrationStatus


@pytest.fixture
def people(db):
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db)
    return pilot, prescriber


def register(db, action, prescriber, *, sessions=None, submit=False, **names):
    candidate = a_candidate(db, **names)
    return save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=candidate.id,
        session_ids=[s.id for s in (sessions or action.sessions[:1])],
        submit=submit,
        answers=STATISTICS_ANSWERED,
    )


def slots_of(db, session):
    """The session's slots as {(employer name, hour index): slot}, hours in order."""
    [grid] = [g for g in grids(db, action_id=session.action_id) if g.session_id == session.id]
    return {
        (employer.name, index): grid.cells[(employer.id, moment)].slot_id
        for employer in grid.employers
        for index, moment in enumerate(grid.times)
    }


def taken(db, model, row_id):
    db.expire_all()
    return db.get(model, row_id).places_taken


def validate(db, pilot, registration):
    change_status(db, by=pilot.id, registration_ids=[registration.id], to_status=S.VALIDATED)


# Recruitment slots.


def test_the_grid_shows_employers_times_and_places_left(db, people):
    pilot, _ = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action, employers=2, slots=2, places=5)

    [grid] = grids(db, action_id=action.id)

    assert grid.session_id == session.id and grid.max_employers == 3
    assert [e.name for e in grid.employers] == ["Entreprise 1", "Entreprise 2"]
    assert len(grid.times) == 2
    assert {cell.places_left for cell in grid.cells.values()} == {5}


def test_a_candidate_meets_at_most_the_actions_maximum_of_employers(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, max_employers=1)
    session = a_recruitment_session(db, action)
    slot = slots_of(db, session)
    registration = register(db, action, prescriber)

    with pytest.raises(DomainError) as refused:
        choose_slots(
            db,
            by=prescriber.id,
            registration_id=registration.id,
            session_id=session.id,
            slot_ids=[slot[("Entreprise 1", 0)], slot[("Entreprise 2", 1)]],
        )

    assert refused.value.message == (
        "Un candidat peut rencontrer au plus 1 employeur pendant la session « Séance 1 »."
    )


def test_one_slot_per_employer_and_never_two_at_the_same_time(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action)
    slot = slots_of(db, session)
    registration = register(db, action, prescriber)

    def choose(*keys):
        choose_slots(
            db,
            by=prescriber.id,
            registration_id=registration.id,
            session_id=session.id,
            slot_ids=[slot[key] for key in keys],
        )

    with pytest.raises(DomainError) as twice:
        choose(("Entreprise 1", 0), ("Entreprise 1", 1))
    with pytest.raises(DomainError) as same_time:
        choose(("Entreprise 1", 0), ("Entreprise 2", 0))

    assert twice.value.message.startswith("Un candidat rencontre chaque employeur une seule fois")
    assert same_time.value.message.startswith("Deux créneaux choisis sont à la même heure")


def test_a_full_slot_cannot_be_picked(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action, places=1)
    first = slots_of(db, session)[("Entreprise 1", 0)]
    earlier = register(db, action, prescriber, last_name="Martin")
    choose_slots(
        db, by=prescriber.id, registration_id=earlier.id, session_id=session.id, slot_ids=[first]
    )
    submit_registration(db, by=prescriber.id, registration_id=earlier.id)
    assert taken(db, Slot, first) == 1
    later = register(db, action, prescriber, last_name="Durand")

    with pytest.raises(NoPlaceLeft) as refused:
        choose_slots(
            db, by=prescriber.id, registration_id=later.id, session_id=session.id, slot_ids=[first]
        )

    assert refused.value.message == "Le créneau choisi avec « Entreprise 1 » est complet."


def test_a_slot_filled_meanwhile_refuses_the_submission_and_changes_nothing(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action, places=1)
    first = slots_of(db, session)[("Entreprise 1", 0)]
    drafts = [register(db, action, prescriber, last_name=name) for name in ("Martin", "Durand")]
    for draft in drafts:
        choose_slots(
            db, by=prescriber.id, registration_id=draft.id, session_id=session.id, slot_ids=[first]
        )
    submit_registration(db, by=prescriber.id, registration_id=drafts[0].id)

    with pytest.raises(NoPlaceLeft):
        submit_registration(db, by=prescriber.id, registration_id=drafts[1].id)
    db.rollback()

    assert db.get(Registration, drafts[1].id).status is S.DRAFT
    assert taken(db, Slot, first) == 1
    assert taken(db, Session, session.id) == 1


def test_unregistering_gives_the_slot_back(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action)
    first = slots_of(db, session)[("Entreprise 1", 0)]
    registration = register(db, action, prescriber)
    choose_slots(
        db,
        by=prescriber.id,
        registration_id=registration.id,
        session_id=session.id,
        slot_ids=[first],
    )
    submit_registration(db, by=prescriber.id, registration_id=registration.id)
    validate(db, pilot, registration)
    assert taken(db, Slot, first) == 1

    unregister(db, by=prescriber.id, registration_id=registration.id)

    assert taken(db, Slot, first) == 0


def test_the_last_place_of_a_slot_goes_to_one_registration_only(engine):
    with writing(engine) as db:
        pilot, prescriber = a_professional(db), a_professional(db)
        action = an_action(db, pilot=pilot)
        session = a_recruitment_session(db, action, employers=1, slots=1, places=1)
        slot_id = slots_of(db, session)[("Entreprise 1", 0)]
        ids = []
        for index in range(8):
            candidate = a_candidate(db, last_name=f"Candidat{chr(65 + index)}")
            ids.append(
                save_registration(
                    db,
                    by=prescriber.id,
                    action_id=action.id,
                    candidate_id=candidate.id,
                    session_ids=[session.id],
                    submit=True,
                    answers=STATISTICS_ANSWERED,
                ).id
            )
    start, outcomes = threading.Barrier(len(ids)), []

    def pick(registration_id):
        start.wait()
        try:
            with writing(engine) as db:
                choose_slots(
                    db,
                    by=prescriber.id,
                    registration_id=registration_id,
                    session_id=session.id,
                    slot_ids=[slot_id],
                )
            outcomes.append("taken")
        except NoPlaceLeft:
            outcomes.append("full")

    threads = [threading.Thread(target=pick, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full"] * 7 + ["taken"]
    with writing(engine) as db:
        assert db.get(Slot, slot_id).places_taken == 1


# Sessions after the first save, and what each state allows.


def test_an_open_session_can_be_added_even_after_validation(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, sessions=2)
    registration = register(db, action, prescriber, submit=True)
    validate(db, pilot, registration)

    set_sessions(
        db,
        by=prescriber.id,
        registration_id=registration.id,
        session_ids=[s.id for s in action.sessions],
    )

    assert [taken(db, Session, s.id) for s in action.sessions] == [1, 1]


def test_sessions_cannot_be_removed_once_validated(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, sessions=2)
    registration = register(db, action, prescriber, sessions=action.sessions, submit=True)
    validate(db, pilot, registration)

    with pytest.raises(TransitionRefused) as refused:
        set_sessions(
            db,
            by=prescriber.id,
            registration_id=registration.id,
            session_ids=[action.sessions[0].id],
        )

    assert refused.value.message == (
        "Cette inscription est à l'état « Validé » : les sessions, les employeurs et les "
        "créneaux ne peuvent plus être modifiés. Contactez le pilote de l'action pour tout "
        "changement."
    )


def test_sessions_change_until_validation_and_give_their_places_back(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, sessions=2)
    registration = register(db, action, prescriber, submit=True)
    first, second = action.sessions

    set_sessions(db, by=prescriber.id, registration_id=registration.id, session_ids=[second.id])

    assert (taken(db, Session, first.id), taken(db, Session, second.id)) == (0, 1)
    with pytest.raises(InvalidInput):
        set_sessions(db, by=prescriber.id, registration_id=registration.id, session_ids=[])


def test_a_closed_session_cannot_be_added(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, sessions=2)
    registration = register(db, action, prescriber)
    closed = action.sessions[1]
    closed.registration_deadline = today_in_paris() - timedelta(days=1)
    db.add(closed)
    db.commit()

    with pytest.raises(RegistrationClosed):
        set_sessions(
            db,
            by=prescriber.id,
            registration_id=registration.id,
            session_ids=[action.sessions[0].id, closed.id],
        )


def test_slots_cannot_change_once_validated(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action)
    registration = register(db, action, prescriber, submit=True)
    validate(db, pilot, registration)

    with pytest.raises(TransitionRefused):
        choose_slots(
            db,
            by=prescriber.id,
            registration_id=registration.id,
            session_id=session.id,
            slot_ids=[slots_of(db, session)[("Entreprise 1", 0)]],
        )


def test_answers_change_at_any_time_while_the_registration_runs(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber, submit=True)
    validate(db, pilot, registration)

    save_answers(
        db,
        by=prescriber.id,
        registration_id=registration.id,
        answers=FormAnswers({"statistics": ["deld"]}),
    )
    with pytest.raises(InvalidInput):  # sent: the required answers must stay
        save_answers(db, by=prescriber.id, registration_id=registration.id, answers=FormAnswers())
    db.rollback()
    unregister(db, by=prescriber.id, registration_id=registration.id)

    with pytest.raises(TransitionRefused) as refused:
        save_answers(
            db, by=prescriber.id, registration_id=registration.id, answers=STATISTICS_ANSWERED
        )
    assert refused.value.message == (
        "Cette inscription est terminée (« Désinscrit ») : elle ne peut plus être modifiée."
    )


def test_only_unregistering_ends_a_processed_registration(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber, submit=True)
    change_status(
        db, by=pilot.id, registration_ids=[registration.id], to_status=S.ELIGIBILITY_NOT_VALIDATED
    )

    with pytest.raises(TransitionRefused) as refused:
        delete_registration(db, by=prescriber.id, registration_id=registration.id)

    assert refused.value.message == (
        "Cette inscription a déjà été traitée par l'organisateur : elle ne peut plus être "
        "supprimée. Vous pouvez désinscrire le candidat."
    )


# Co-prescribers.


def test_a_professional_is_found_by_name_or_email(db):
    colleague = a_professional(db, first_name="Noé", last_name="Jeunes")

    by_name = coprescribers.find_professionals(db, text="jeu")
    by_email = coprescribers.find_professionals(db, text=colleague.email[:6])

    assert [p.id for p in by_name] == [colleague.id]
    assert colleague.id in [p.id for p in by_email]
    with pytest.raises(InvalidInput) as refused:
        coprescribers.find_professionals(db, text="j%")
    assert refused.value.message == "Tapez au moins 3 lettres du nom ou de l'email du prescripteur."


def test_a_co_prescriber_acts_and_gets_the_same_emails_until_removed(db, people):
    pilot, prescriber = people
    colleague = a_professional(db, first_name="Noé", last_name="Jeunes")
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    coprescribers.add_co_prescriber(
        db, by=prescriber.id, registration_id=registration.id, professional_id=colleague.id
    )
    submit_registration(db, by=colleague.id, registration_id=registration.id)

    emails = db.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert [(e.to_address, e.subject) for e in emails] == [
        (colleague.email, "Vous suivez une inscription : Atelier CV"),
        (prescriber.email, "Inscription enregistrée : Atelier CV"),
        (colleague.email, "Inscription enregistrée : Atelier CV"),
    ]

    coprescribers.remove_co_prescriber(
        db, by=prescriber.id, registration_id=registration.id, professional_id=colleague.id
    )
    with pytest.raises(NotAllowed):
        registration_view(
            db, by=colleague.id, registration_id=registration.id, today=today_in_paris()
        )


def test_the_first_prescriber_is_not_added_twice(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    with pytest.raises(DomainError) as refused:
        coprescribers.add_co_prescriber(
            db, by=prescriber.id, registration_id=registration.id, professional_id=prescriber.id
        )

    assert (
        refused.value.message == "Ce professionnel est déjà le prescripteur de cette inscription."
    )


def test_only_a_prescriber_adds_a_co_prescriber(db, people):
    pilot, prescriber = people
    stranger = a_professional(db)
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    with pytest.raises(NotAllowed):
        coprescribers.add_co_prescriber(
            db, by=stranger.id, registration_id=registration.id, professional_id=stranger.id
        )


# The confirmation email, once.


def test_the_confirmation_names_sessions_places_employers_slots_and_the_candidate(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    session = a_recruitment_session(db, action)
    registration = register(db, action, prescriber, last_name="Lefèvre", first_name="Lucas")
    choose_slots(
        db,
        by=prescriber.id,
        registration_id=registration.id,
        session_id=session.id,
        slot_ids=[slots_of(db, session)[("Entreprise 2", 1)]],
    )

    submit_registration(db, by=prescriber.id, registration_id=registration.id)

    body = db.exec(select(OutboxEmail.body)).one()
    assert "L'inscription de LEFÈVRE Lucas à l'action « Atelier CV »" in body
    assert "- Séance 1 : " in body and "Maison de l'emploi 1 rue de la Paix" in body
    assert "Employeurs et créneaux choisis :\n- Entreprise 2 : " in body
    assert f"/inscription?id={registration.id}" in body


def test_a_double_click_makes_one_registration_and_one_email(engine):
    with writing(engine) as db:
        pilot, prescriber = a_professional(db), a_professional(db)
        action = an_action(db, pilot=pilot)
        candidate = a_candidate(db)
        session_id = action.sessions[0].id
    start, made, errors = threading.Barrier(2), [], []

    def click():
        start.wait()
        try:
            with writing(engine) as db:
                made.append(
                    save_registration(
                        db,
                        by=prescriber.id,
                        action_id=action.id,
                        candidate_id=candidate.id,
                        session_ids=[session_id],
                        submit=True,
                        answers=STATISTICS_ANSWERED,
                        form_token="form-1",
                    ).id
                )
        except Exception as error:  # noqa: BLE001 - any failure is the test's answer
            errors.append(error)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(made)) == 1
    with writing(engine) as db:
        assert db.exec(select(func.count(Registration.id))).one() == 1
        assert db.exec(select(func.count(OutboxEmail.id))).one() == 1
        assert db.get(Session, session_id).places_taken == 1


def test_slots_are_chosen_only_in_a_session_of_the_registration(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, sessions=2)
    session = a_recruitment_session(db, action, index=1)
    registration = register(db, action, prescriber)

    with pytest.raises(DomainError) as refused:
        choose_slots(
            db,
            by=prescriber.id,
            registration_id=registration.id,
            session_id=session.id,
            slot_ids=[slots_of(db, session)[("Entreprise 1", 0)]],
        )

    assert refused.value.message == "Cochez d'abord cette session pour y choisir des employeurs."


# The candidate's details.


def test_a_prescriber_of_the_candidate_updates_their_details_and_others_cannot(db, people):
    pilot, prescriber = people
    stranger = a_professional(db)
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber, submit=True)
    validate(db, pilot, registration)
    candidate = db.get(Candidate, registration.candidate_id)
    data = CandidateInput(
        last_name=candidate.last_name,
        first_name=candidate.first_name,
        birth_date=candidate.birth_date,
        gender=candidate.gender,
        phone="06 39 98 12 34",
        address="4 rue Haxo, 38000 Grenoble",
        qualification_level="4",
    )

    with pytest.raises(NotAllowed) as refused:
        update_candidate(db, by=stranger.id, candidate_id=candidate.id, data=data)
    assert refused.value.message == (
        "Seuls les prescripteurs d'une inscription de ce candidat peuvent modifier ses "
        "informations."
    )

    update_candidate(db, by=prescriber.id, candidate_id=candidate.id, data=data)
    db.expire_all()
    assert db.get(Candidate, candidate.id).phone == "06 39 98 12 34"


def test_two_choices_at_once_never_exceed_the_maximum_of_employers(engine):
    with writing(engine) as db:
        pilot, prescriber = a_professional(db), a_professional(db)
        action = an_action(db, pilot=pilot, max_employers=1)
        session = a_recruitment_session(db, action, employers=2, slots=1)
        slot = slots_of(db, session)
        registration_id = register(db, action, prescriber, submit=True).id
    start = threading.Barrier(2)

    def pick(slot_id):
        start.wait()
        with writing(engine) as db:
            choose_slots(
                db,
                by=prescriber.id,
                registration_id=registration_id,
                session_id=session.id,
                slot_ids=[slot_id],
            )

    threads = [
        threading.Thread(target=pick, args=(slot[(name, 0)],))
        for name in ("Entreprise 1", "Entreprise 2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with writing(engine) as db:
        chosen = db.exec(
            select(RegistrationSlot).where(RegistrationSlot.registration_id == registration_id)
        ).all()
        held = sum(db.get(Slot, slot_id).places_taken for slot_id in slot.values())
    assert len(chosen) == 1
    assert held == 1
