"""Registrations: states, places, deadlines, who may do what, history and emails."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from plie.dates import today_in_paris
from plie.db import writing
from plie.enums import MemberRole, RegistrationStatus
from plie.errors import (
    DomainError,
    InvalidInput,
    NoPlaceLeft,
    NotAllowed,
    RegistrationClosed,
    TransitionRefused,
)
from plie.models import OutboxEmail, Registration, Session, StatusChange
from plie.registrations import (
    ALLOWED_TRANSITIONS,
    Actor,
    change_status,
    delete_registration,
    save_registration,
    submit_registration,
    unregister,
)
from plie.self_registration import RECEIVED, SelfRegistrationInput, register_self
from tests.builders import (
    STATISTICS_ANSWERED,
    a_candidate,
    a_co_prescriber,
    a_member,
    a_professional,
    an_action,
)

S = RegistrationStatus


@pytest.fixture
def people(db):
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db)
    return pilot, prescriber


def register(db, action, prescriber, *, submit=True, candidate=None, **names):
    candidate = candidate or a_candidate(db, **names)
    return save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=candidate.id,
        session_ids=[s.id for s in action.sessions],
        submit=submit,
        answers=STATISTICS_ANSWERED,
    )


def places_taken(db, action):
    db.expire_all()
    return db.get(Session, action.sessions[0].id).places_taken


def test_a_draft_holds_no_place_and_submitting_takes_one(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)

    registration = register(db, action, prescriber, submit=False)
    assert registration.status is S.DRAFT
    assert places_taken(db, action) == 0

    submit_registration(db, by=prescriber.id, registration_id=registration.id)
    assert registration.status is S.PENDING
    assert places_taken(db, action) == 1


def test_every_change_is_recorded_with_who_from_and_to(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    change_status(
        db,
        by=pilot.id,
        registration_ids=[registration.id],
        to_status=S.VALIDATED,
        comment="Profil adapté",
    )

    history = db.exec(
        select(StatusChange)
        .where(StatusChange.registration_id == registration.id)
        .order_by(StatusChange.id)
    ).all()
    assert [(h.from_status, h.to_status, h.by_id) for h in history] == [
        (None, S.DRAFT, prescriber.id),
        (S.DRAFT, S.PENDING, prescriber.id),
        (S.PENDING, S.VALIDATED, pilot.id),
    ]
    assert history[-1].comment == "Profil adapté"
    assert history[-1].at.tzinfo is not None


def test_an_automatically_validated_action_validates_what_is_sent(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, auto_validate=True)

    registration = register(db, action, prescriber)

    assert registration.status is S.VALIDATED
    assert places_taken(db, action) == 1


def test_a_full_session_refuses_a_new_submission(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, capacity=1)
    register(db, action, prescriber, last_name="Martin")

    with pytest.raises(NoPlaceLeft) as refused:
        register(db, action, prescriber, last_name="Durand")

    assert str(refused.value) == (
        "La session « Séance 1 » est complète : il n'y reste plus de place."
    )
    db.rollback()
    assert places_taken(db, action) == 1


def test_a_session_past_its_deadline_refuses_registrations(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, deadline_in_days=-1)

    with pytest.raises(RegistrationClosed) as refused:
        register(db, action, prescriber)

    deadline = today_in_paris() - timedelta(days=1)
    assert str(refused.value) == (
        f"Les inscriptions à la session « Séance 1 » sont closes depuis le {deadline:%d/%m/%Y}."
    )


def test_the_same_candidate_cannot_run_twice_on_one_action(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    candidate = a_candidate(db)
    register(db, action, prescriber, candidate=candidate)

    with pytest.raises(DomainError) as refused:
        register(db, action, prescriber, candidate=candidate)

    assert "déjà une inscription en cours" in str(refused.value)


def test_another_prescriber_is_not_sent_to_their_own_list_for_a_running_registration(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    candidate = a_candidate(db)
    register(db, action, prescriber, candidate=candidate)
    colleague = a_professional(db, first_name="Yanis", last_name="Solidaire")

    with pytest.raises(DomainError) as refused:
        register(db, action, colleague, candidate=candidate)

    assert str(refused.value) == (
        "Ce candidat a déjà une inscription en cours sur cette action, suivie par un autre "
        "prescripteur : voyez avec l'organisateur de l'action."
    )


def a_self_registration_of(db, action, candidate):
    """The candidate registers themself on the action from the public agenda."""
    form = SelfRegistrationInput(
        last_name=candidate.last_name,
        first_name=candidate.first_name,
        birth_date=candidate.birth_date,
        phone="06 39 98 00 11",
        email="personne@exemple.fr",
        session_ids=[action.sessions[0].id],
        accepts_notice=True,
        eligibility={"statistics": ["none"]},
    )
    assert register_self(db, action_id=action.id, data=form, client="203.0.113.9") == RECEIVED


def test_a_draft_is_not_sent_once_the_person_registered_themself(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, allows_self_registration=True)
    candidate = a_candidate(db)
    draft = register(db, action, prescriber, submit=False, candidate=candidate)
    a_self_registration_of(db, action, candidate)
    emails_before = len(db.exec(select(OutboxEmail)).all())

    with pytest.raises(DomainError) as refused:
        submit_registration(db, by=prescriber.id, registration_id=draft.id)

    assert str(refused.value) == (
        "Cette personne s'est déjà inscrite elle-même à cette action : voyez avec "
        "l'organisateur de l'action."
    )
    db.rollback()
    assert db.get(Registration, draft.id).status is S.DRAFT
    assert places_taken(db, action) == 1  # the self-registration's place only
    assert len(db.exec(select(OutboxEmail)).all()) == emails_before


def test_a_new_registration_names_a_self_registration_for_what_it_is(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, allows_self_registration=True)
    candidate = a_candidate(db)
    a_self_registration_of(db, action, candidate)

    with pytest.raises(DomainError) as refused:
        register(db, action, prescriber, candidate=candidate)

    assert str(refused.value) == (
        "Cette personne s'est déjà inscrite elle-même à cette action : voyez avec "
        "l'organisateur de l'action."
    )


def test_a_draft_is_still_sent_once_the_self_registration_has_ended(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, allows_self_registration=True)
    candidate = a_candidate(db)
    draft = register(db, action, prescriber, submit=False, candidate=candidate)
    a_self_registration_of(db, action, candidate)
    own = db.exec(select(Registration).where(Registration.is_self_registered)).one()
    change_status(db, by=pilot.id, registration_ids=[own.id], to_status=S.REFUSED_BY_CANDIDATE)

    submit_registration(db, by=prescriber.id, registration_id=draft.id)

    assert db.get(Registration, draft.id).status is S.PENDING


def test_a_prescriber_cannot_validate_a_registration(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    with pytest.raises(NotAllowed) as refused:
        change_status(
            db, by=prescriber.id, registration_ids=[registration.id], to_status=S.VALIDATED
        )

    assert str(refused.value) == (
        "Seuls le pilote et les copilotes de l'action peuvent changer l'état des inscriptions."
    )


def test_a_partner_sees_but_does_not_triage(db, people):
    pilot, prescriber = people
    partner = a_professional(db, first_name="Sacha", last_name="Work")
    action = an_action(db, pilot=pilot)
    a_member(db, action, partner, MemberRole.PARTNER)
    registration = register(db, action, prescriber)

    with pytest.raises(NotAllowed):
        change_status(db, by=partner.id, registration_ids=[registration.id], to_status=S.VALIDATED)


def test_the_transition_table_forbids_going_back_to_draft(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    result = change_status(db, by=pilot.id, registration_ids=[registration.id], to_status=S.DRAFT)

    assert result.changed == []
    assert result.refused[registration.id] == (
        "Une inscription à l'état « En attente - à traiter » ne peut pas passer "
        "à l'état « Brouillon »."
    )
    assert not any(target is S.DRAFT for (_, target) in ALLOWED_TRANSITIONS)


def test_organisers_may_reach_every_state_of_the_guide_but_draft():
    for source in set(S) - {S.DRAFT}:
        for target in set(S) - {S.DRAFT, source}:
            assert Actor.ORGANISER in ALLOWED_TRANSITIONS[(source, target)]


def test_bulk_validation_names_what_does_not_fit(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, capacity=2)
    first = register(db, action, prescriber, last_name="Aubert")
    second = register(db, action, prescriber, last_name="Blanc")
    change_status(db, by=pilot.id, registration_ids=[first.id, second.id], to_status=S.DEFERRED)
    third = register(db, action, prescriber, last_name="Colin")
    fourth = register(db, action, prescriber, last_name="Diallo")

    result = change_status(
        db,
        by=pilot.id,
        registration_ids=[first.id, second.id, third.id, fourth.id],
        to_status=S.VALIDATED,
    )

    assert result.changed == [third.id, fourth.id]
    assert set(result.refused) == {first.id, second.id}
    assert result.refused[first.id].startswith("La session « Séance 1 » est complète")
    assert places_taken(db, action) == 2
    assert db.get(Registration, first.id).status is S.DEFERRED


def test_refusing_gives_the_place_back(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, capacity=1)
    registration = register(db, action, prescriber)

    change_status(
        db, by=pilot.id, registration_ids=[registration.id], to_status=S.REFUSED_BY_COMMISSION
    )

    assert places_taken(db, action) == 0


def test_an_unprocessed_registration_can_be_deleted_and_its_place_comes_back(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    delete_registration(db, by=prescriber.id, registration_id=registration.id)

    assert db.get(Registration, registration.id) is None
    assert places_taken(db, action) == 0


def test_a_processed_registration_cannot_be_deleted_only_unregistered(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)
    change_status(
        db, by=pilot.id, registration_ids=[registration.id], to_status=S.ELIGIBILITY_VALIDATED
    )

    with pytest.raises(TransitionRefused) as refused:
        delete_registration(db, by=prescriber.id, registration_id=registration.id)
    assert str(refused.value) == (
        "Cette inscription a déjà été traitée par l'organisateur : elle ne peut plus être "
        "supprimée. Vous pouvez désinscrire le candidat."
    )

    unregister(db, by=prescriber.id, registration_id=registration.id)
    assert db.get(Registration, registration.id).status is S.UNREGISTERED
    assert places_taken(db, action) == 0


def test_an_unregistration_reason_longer_than_its_column_is_refused(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    with pytest.raises(InvalidInput) as refused:
        unregister(db, by=prescriber.id, registration_id=registration.id, comment="é" * 1001)

    assert str(refused.value) == "Le commentaire ne peut dépasser 1000 caractères."
    assert db.get(Registration, registration.id).status is S.PENDING


def test_another_professional_cannot_delete_someone_elses_registration(db, people):
    pilot, prescriber = people
    stranger = a_professional(db, first_name="Autre", last_name="Structure")
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber)

    with pytest.raises(NotAllowed):
        delete_registration(db, by=stranger.id, registration_id=registration.id)


def test_submitting_emails_the_prescriber_and_each_co_prescriber_once(db, people):
    pilot, prescriber = people
    colleague = a_professional(db, first_name="Noé", last_name="Jeunes")
    action = an_action(db, pilot=pilot)
    registration = register(db, action, prescriber, submit=False)
    a_co_prescriber(db, registration.id, colleague)

    submit_registration(db, by=colleague.id, registration_id=registration.id)

    emails = db.exec(select(OutboxEmail)).all()
    assert sorted(e.to_address for e in emails) == sorted([prescriber.email, colleague.email])
    assert "LEFÈVRE Lucas" in emails[0].body and "Atelier CV" in emails[0].subject
    with pytest.raises(TransitionRefused):
        submit_registration(db, by=prescriber.id, registration_id=registration.id)
    assert len(db.exec(select(OutboxEmail)).all()) == 2


def test_a_bulk_change_sends_one_email_per_prescriber(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    registrations = [register(db, action, prescriber, last_name=n) for n in ("Aa", "Bb", "Cc")]
    before = len(db.exec(select(OutboxEmail)).all())

    change_status(
        db, by=pilot.id, registration_ids=[r.id for r in registrations], to_status=S.VALIDATED
    )

    new = db.exec(select(OutboxEmail)).all()[before:]
    assert len(new) == 1
    assert new[0].to_address == prescriber.email
    assert new[0].body.count("Validé") == 3


def test_two_prescribers_at_the_same_moment_cannot_both_take_the_last_place(engine):
    with writing(engine) as db:
        pilot = a_professional(db)
        action = an_action(db, pilot=pilot, capacity=1)
        prescriber = a_professional(db)
        candidates = [a_candidate(db, last_name=name) for name in ("Un", "Deux", "Trois")]
        session_ids = [s.id for s in action.sessions]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(candidates))

    def submit(candidate_id):
        barrier.wait()
        with writing(engine) as db:
            try:
                save_registration(
                    db,
                    by=prescriber.id,
                    action_id=action.id,
                    candidate_id=candidate_id,
                    session_ids=session_ids,
                    submit=True,
                    answers=STATISTICS_ANSWERED,
                )
                outcomes.append("ok")
            except NoPlaceLeft:
                outcomes.append("full")

    threads = [threading.Thread(target=submit, args=(c.id,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full", "full", "ok"]
    with writing(engine) as db:
        assert db.get(Session, session_ids[0]).places_taken == 1
        held = db.exec(select(Registration).where(Registration.status == S.PENDING)).all()
        assert len(held) == 1


def test_an_unpublished_action_takes_no_registration(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, published=False)

    with pytest.raises(DomainError) as refused:
        register(db, action, prescriber)

    assert str(refused.value) == "Cette action n'est pas publiée : on ne peut pas s'y inscrire."


def test_the_outbox_shows_a_prescriber_only_their_own_emails(db, people):
    from plie.queries import outbox

    pilot, prescriber = people
    admin = a_professional(db, first_name="Alex", last_name="Admin", is_admin=True)
    action = an_action(db, pilot=pilot)
    register(db, action, prescriber)
    registration = register(db, action, pilot, last_name="Autre")
    assert registration.prescriber_id == pilot.id

    mine = outbox(db, by=prescriber.id)

    assert [e["Destinataire"] for e in mine] == [prescriber.email]
    assert mine[0]["Envoyé le"] == "En attente d'envoi"
    assert len(outbox(db, by=admin.id)) == 2
