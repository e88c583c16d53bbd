"""Setting an action up: fields, sessions, employers and slots, the team, the agenda window."""

from datetime import timedelta

import pytest
from sqlmodel import select

from plie import actions, teams
from plie.dates import paris_instant, today_in_paris
from plie.demo import load_demo_data
from plie.enums import ActionType, MemberRole, SessionKind
from plie.errors import DomainError, InvalidInput
from plie.models import Action, ActionMember, Employer, Professional, Session, Slot
from plie.queries import agenda, organised_actions
from plie.registrations import save_registration
from tests.builders import (
    STATISTICS_ANSWERED,
    a_candidate,
    a_professional,
    a_recruitment_session,
    an_action,
)


@pytest.fixture
def pilot(db):
    return a_professional(db, first_name="Dominique", last_name="Pilote", can_pilot=True)


def an_input(**changes) -> actions.ActionInput:
    today = today_in_paris()
    values = {
        "title": "Job dating du bâtiment",
        "action_type": ActionType.RECRUITMENT,
        "summary": "Rencontrez trois employeurs.",
        "description": "<script>alert(1)</script> **texte**",
        "publication_start": today,
        "publication_end": today + timedelta(days=30),
        "commune": "Grenoble",
        "max_employers_per_candidate": 2,
        "proofs_guide_url": "https://www.plie-demo.example/guide.pdf",
    }
    return actions.ActionInput(**{**values, **changes})


def a_session_input(**changes) -> actions.SessionInput:
    day = today_in_paris() + timedelta(days=20)
    values = {
        "label": "Session du matin",
        "kind": SessionKind.RECRUITMENT,
        "starts_at": paris_instant(day, 9),
        "ends_at": paris_instant(day, 12),
        "capacity": 20,
        "registration_deadline": day - timedelta(days=1),
        "place_name": "Salle des fêtes",
        "address": "1 place de la Mairie, 38130 Échirolles",
    }
    return actions.SessionInput(**{**values, **changes})


def register_on(db, action, session_ids):
    prescriber = a_professional(db)
    return save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=a_candidate(db).id,
        session_ids=session_ids,
        submit=True,
        answers=STATISTICS_ANSWERED,
    )


def test_an_authorised_pilot_creates_an_action_and_becomes_its_pilot(db, pilot):
    action = actions.create_action(db, by=pilot.id, data=an_input())

    member = db.exec(select(ActionMember).where(ActionMember.action_id == action.id)).one()
    assert (member.professional_id, member.role) == (pilot.id, MemberRole.PILOT)
    assert action.description == "<script>alert(1)</script> **texte**"
    assert action.max_employers_per_candidate == 2


def test_wrong_action_fields_are_all_named_in_french(db, pilot):
    today = today_in_paris()
    data = an_input(
        title="  ",
        publication_end=today - timedelta(days=1),
        max_employers_per_candidate=0,
        proofs_guide_url="javascript:alert(1)",
    )

    with pytest.raises(InvalidInput) as refused:
        actions.create_action(db, by=pilot.id, data=data)

    assert refused.value.errors == {
        "title": "Le champ « Libellé » est obligatoire.",
        "publication_end": "La fin de publication doit suivre son début.",
        "max_employers_per_candidate": "Le nombre d'employeurs maximum par candidat va de 1 à 20.",
        "proofs_guide_url": "Le lien du document des justificatifs doit commencer par "
        "https:// (500 caractères au plus).",
    }


def test_the_agenda_shows_an_action_only_inside_its_publication_window(db, pilot):
    action = actions.create_action(db, by=pilot.id, data=an_input())
    actions.add_session(db, by=pilot.id, action_id=action.id, data=a_session_input())
    today = today_in_paris()

    assert [a.id for a, _ in agenda(db, today=today)] == [action.id]
    assert agenda(db, today=today + timedelta(days=31)) == []

    later = an_input(publication_start=today + timedelta(days=2))
    actions.update_action(db, by=pilot.id, action_id=action.id, data=later)
    assert agenda(db, today=today) == []
    assert [a.id for a, _ in agenda(db, today=today + timedelta(days=2))] == [action.id]


def test_a_session_ends_after_it_starts_and_closes_registrations_before_it(db, pilot):
    action = actions.create_action(db, by=pilot.id, data=an_input())
    day = today_in_paris() + timedelta(days=20)
    data = a_session_input(
        ends_at=paris_instant(day, 8), registration_deadline=day + timedelta(days=1), capacity=-1
    )

    with pytest.raises(InvalidInput) as refused:
        actions.add_session(db, by=pilot.id, action_id=action.id, data=data)

    assert refused.value.errors == {
        "ends_at": "La fin de la session doit suivre son début.",
        "capacity": "Le champ « Capacité » doit être un nombre entre 0 et 10000.",
        "registration_deadline": "La limite d'inscription ne peut suivre le début de la session.",
    }


def test_a_session_that_registrations_hold_cannot_be_deleted(db, pilot):
    action = an_action(db, pilot=pilot, sessions=2)
    held, free = action.sessions
    register_on(db, action, [held.id])

    with pytest.raises(DomainError) as refused:
        actions.delete_session(db, by=pilot.id, session_id=held.id)
    actions.delete_session(db, by=pilot.id, session_id=free.id)

    assert str(refused.value) == (
        "La session « Séance 1 » a 1 inscription : elle ne peut pas être supprimée."
    )
    assert [s.id for s in db.exec(select(Session)).all()] == [held.id]


def test_capacity_cannot_drop_below_the_places_taken(db, pilot):
    action = an_action(db, pilot=pilot, capacity=5)
    session = action.sessions[0]
    register_on(db, action, [session.id])
    register_on(db, action, [session.id])
    data = a_session_input(
        label=session.label,
        kind=session.kind,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        registration_deadline=session.registration_deadline,
        capacity=1,
    )

    with pytest.raises(InvalidInput) as refused:
        actions.update_session(db, by=pilot.id, session_id=session.id, data=data)
    data.capacity = 2
    actions.update_session(db, by=pilot.id, session_id=session.id, data=data)

    assert refused.value.errors == {
        "capacity": "2 places sont déjà prises dans cette session : sa capacité ne peut "
        "descendre en dessous."
    }
    db.expire_all()
    assert db.get(Session, session.id).capacity == 2


def test_an_action_with_registrations_cannot_be_deleted(db, pilot):
    action = an_action(db, pilot=pilot)
    register_on(db, action, [action.sessions[0].id])

    with pytest.raises(DomainError) as refused:
        actions.delete_action(db, by=pilot.id, action_id=action.id)

    assert str(refused.value) == (
        "Cette action a 1 inscription : elle ne peut pas être supprimée. "
        "Raccourcissez plutôt sa période de publication."
    )


def test_a_recruitment_session_gets_employers_and_slots_with_places(db, pilot):
    action = actions.create_action(db, by=pilot.id, data=an_input())
    session = actions.add_session(db, by=pilot.id, action_id=action.id, data=a_session_input())
    employer = actions.add_employer(
        db,
        by=pilot.id,
        session_id=session.id,
        data=actions.EmployerInput(name="BTP Alpes", job_offers="Maçon (CDI)"),
    )
    slot = actions.add_slot(
        db,
        by=pilot.id,
        employer_id=employer.id,
        data=actions.SlotInput(starts_at=session.starts_at + timedelta(hours=1), capacity=4),
    )

    _, setups = actions.action_setup(db, by=pilot.id, action_id=action.id)
    assert [(e.employer.name, [s.capacity for s in e.slots]) for e in setups[0].employers] == [
        ("BTP Alpes", [4])
    ]
    with pytest.raises(InvalidInput) as refused:
        actions.add_slot(
            db,
            by=pilot.id,
            employer_id=employer.id,
            data=actions.SlotInput(starts_at=session.ends_at, capacity=4),
        )
    assert refused.value.errors == {"starts_at": "Le créneau doit se tenir pendant la session."}
    assert slot.places_left == 4


def test_employers_belong_to_recruitment_sessions_only(db, pilot):
    action = an_action(db, pilot=pilot)

    with pytest.raises(DomainError) as refused:
        actions.add_employer(
            db,
            by=pilot.id,
            session_id=action.sessions[0].id,
            data=actions.EmployerInput(name="BTP Alpes"),
        )

    assert str(refused.value) == (
        "Les employeurs et leurs créneaux se saisissent sur une session de recrutement."
    )


def test_a_chosen_slot_keeps_its_places_and_its_employer(db, pilot):
    action = an_action(db, pilot=pilot, action_type=ActionType.RECRUITMENT)
    a_recruitment_session(db, action, employers=1, slots=1, places=5)
    slot = db.exec(select(Slot)).one()
    starts_at = action.sessions[0].starts_at
    slot.places_taken = 3
    db.add(slot)
    db.commit()

    with pytest.raises(DomainError) as slot_refused:
        actions.delete_slot(db, by=pilot.id, slot_id=slot.id)
    with pytest.raises(DomainError) as employer_refused:
        actions.delete_employer(db, by=pilot.id, employer_id=slot.employer_id)
    with pytest.raises(InvalidInput) as capacity_refused:
        actions.update_slot(db, by=pilot.id, slot_id=slot.id, data=actions.SlotInput(starts_at, 2))

    assert str(slot_refused.value) == (
        "3 candidats ont choisi ce créneau : il ne peut pas être supprimé."
    )
    assert str(employer_refused.value) == (
        "Des candidats ont choisi un créneau avec « Entreprise 1 » : cet employeur ne peut pas "
        "être supprimé."
    )
    assert capacity_refused.value.errors == {
        "capacity": "3 places sont déjà prises sur ce créneau : ses places ne peuvent "
        "descendre en dessous."
    }
    assert db.exec(select(Employer)).one().id == slot.employer_id


def test_the_pilot_finds_professionals_by_name_or_email_and_adds_a_partner(db, pilot):
    action = an_action(db, pilot=pilot)
    partner = a_professional(db, first_name="Sacha", last_name="Work-Demo")

    by_name = teams.find_professionals(db, by=pilot.id, action_id=action.id, query="work")
    by_email = teams.find_professionals(
        db, by=pilot.id, action_id=action.id, query=partner.email.upper()
    )
    teams.add_member(
        db, by=pilot.id, action_id=action.id, professional_id=partner.id, role=MemberRole.PARTNER
    )

    assert [row["professional_id"] for row in by_name] == [partner.id]
    assert [row["professional_id"] for row in by_email] == [partner.id]
    assert [(m["Nom"], m["Rôle"]) for m in teams.team(db, by=pilot.id, action_id=action.id)] == [
        ("PILOTE Dominique", "Pilote"),
        ("WORK-DEMO Sacha", "Partenaire"),
    ]
    assert teams.find_professionals(db, by=pilot.id, action_id=action.id, query="work") == []


def test_a_search_for_professionals_needs_three_letters_and_treats_wildcards_as_text(db, pilot):
    action = an_action(db, pilot=pilot)
    a_professional(db, first_name="Sacha", last_name="Work")

    with pytest.raises(InvalidInput) as refused:
        teams.find_professionals(db, by=pilot.id, action_id=action.id, query="wo")

    assert str(refused.value) == "Tapez au moins 3 lettres du nom, du prénom ou de l'adresse email."
    assert teams.find_professionals(db, by=pilot.id, action_id=action.id, query="%or%k") == []


def test_the_team_keeps_one_pilot(db, pilot):
    action = an_action(db, pilot=pilot)
    other = a_professional(db)

    with pytest.raises(DomainError) as second_pilot:
        teams.add_member(
            db, by=pilot.id, action_id=action.id, professional_id=other.id, role=MemberRole.PILOT
        )
    with pytest.raises(DomainError) as removed:
        teams.remove_member(db, by=pilot.id, action_id=action.id, professional_id=pilot.id)

    assert str(second_pilot.value) == (
        "Une action n'a qu'un pilote : ajoutez un copilote ou un partenaire."
    )
    assert str(removed.value) == "Le pilote ne peut pas être retiré de l'équipe de son action."


def test_a_removed_partner_no_longer_sees_the_registrations(db, pilot):
    action = an_action(db, pilot=pilot)
    partner = a_professional(db)
    teams.add_member(
        db, by=pilot.id, action_id=action.id, professional_id=partner.id, role=MemberRole.PARTNER
    )
    assert teams.team(db, by=partner.id, action_id=action.id)

    teams.remove_member(db, by=pilot.id, action_id=action.id, professional_id=partner.id)

    with pytest.raises(DomainError):
        teams.team(db, by=partner.id, action_id=action.id)


def test_the_demo_shows_a_prepared_action_on_the_dashboard_but_not_in_the_agenda(db):
    load_demo_data(db)
    pilot = db.exec(select(Professional).where(Professional.email.startswith("pilote@"))).one()
    prepared = "Atelier préparation aux entretiens d'embauche"

    assert prepared in [row["Libellé"] for row in organised_actions(db, professional_id=pilot.id)]
    assert prepared not in [a.title for a, _ in agenda(db, today=today_in_paris())]
    later = db.exec(select(Action).where(Action.title == prepared)).one().publication_start
    assert prepared in [a.title for a, _ in agenda(db, today=later)]
