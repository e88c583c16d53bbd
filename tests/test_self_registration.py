"""Self-registration from the public agenda: the form, the limits, and saying nothing."""

import logging
from datetime import date

import pytest
from sqlmodel import select

from plie import eligibility, questions
from plie.enums import EligibilityScheme, MemberRole, QuestionKind, RegistrationStatus
from plie.errors import InvalidInput, NoPlaceLeft, NotAllowed
from plie.models import (
    ActionQuestion,
    Candidate,
    EligibilityAnswer,
    OutboxEmail,
    QuestionAnswer,
    Registration,
    SelfRegistration,
    SelfRegistrationAttempt,
    Session,
)
from plie.queries import action_registrations
from plie.registrations import save_registration
from plie.self_answers import still_to_collect
from plie.self_registration import (
    DATA_NOTICE,
    NOT_OPEN_TO_SELF_REGISTRATION,
    NOTICE_VERSION,
    RECEIVED,
    SENSITIVE_NOTICE,
    TOO_MANY_ATTEMPTS,
    SelfRegistrationInput,
    TooManyAttempts,
    client_address,
    register_self,
)
from plie.settings import get_settings
from tests.builders import STATISTICS_ANSWERED, a_candidate, a_member, a_professional, an_action

S = RegistrationStatus


@pytest.fixture
def action(db):
    return an_action(db, allows_self_registration=True, capacity=5)


def a_form(action, **changes) -> SelfRegistrationInput:
    values = {
        "last_name": "Lefèvre",
        "first_name": "Lucas",
        "birth_date": "17/05/1990",
        "phone": "06 39 98 00 11",
        "email": "Lucas.Lefevre@Exemple.fr",
        "session_ids": [session.id for session in action.sessions],
        "accepts_notice": True,
        # The statistical question of an action without eligibility, "Aucun" ticked.
        "eligibility": {"statistics": ["none"]},
        **changes,
    }
    return SelfRegistrationInput(**values)


def submit(db, action, client="203.0.113.7", **changes) -> str:
    return register_self(db, action_id=action.id, data=a_form(action, **changes), client=client)


def limits(monkeypatch, *, per_address=10, per_email=3):
    monkeypatch.setenv("PLIE_SELF_REGISTRATION_PER_ADDRESS", str(per_address))
    monkeypatch.setenv("PLIE_SELF_REGISTRATION_PER_EMAIL", str(per_email))
    get_settings.cache_clear()


def places_taken(db, action) -> int:
    db.expire_all()
    return db.get(Session, action.sessions[0].id).places_taken


def emails(db) -> list[OutboxEmail]:
    return list(db.exec(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_a_self_registration_reaches_the_organisers_marked_as_such(db, action):
    pilot = a_professional(db)
    a_member(db, action, pilot, MemberRole.PILOT)

    assert submit(db, action) == RECEIVED

    registration = db.exec(select(Registration)).one()
    assert registration.is_self_registered and registration.prescriber_id is None
    assert registration.status is S.PENDING
    assert places_taken(db, action) == 1
    contact = db.exec(select(SelfRegistration)).one()
    assert (contact.email, contact.phone) == ("lucas.lefevre@exemple.fr", "06 39 98 00 11")
    rows = action_registrations(db, by=pilot.id, action_id=action.id)
    assert [(row["Candidat"], row["Prescripteur"]) for row in rows] == [
        ("LEFÈVRE Lucas", "Candidat libre")
    ]


def test_the_candidate_gets_a_confirmation_email(db, action):
    submit(db, action)

    [email] = emails(db)
    assert email.to_address == "lucas.lefevre@exemple.fr"
    assert email.subject == "Votre demande d'inscription : Atelier CV"
    assert "Nous avons bien reçu votre demande d'inscription à l'action « Atelier CV »" in (
        email.body
    )


def test_an_action_that_validates_automatically_validates_a_self_registration(db):
    action = an_action(db, allows_self_registration=True, auto_validate=True)

    submit(db, action)

    assert db.exec(select(Registration)).one().status is S.VALIDATED


def test_an_action_closed_to_self_registration_refuses_it(db):
    action = an_action(db)

    with pytest.raises(NotAllowed) as refused:
        submit(db, action)

    assert refused.value.message == NOT_OPEN_TO_SELF_REGISTRATION
    assert db.exec(select(Registration)).all() == []


def test_the_data_notice_must_be_accepted_and_every_field_is_checked(db, action):
    with pytest.raises(InvalidInput) as refused:
        submit(db, action, accepts_notice=False, phone="12", email="", session_ids=[])

    assert refused.value.errors == {
        "phone": "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78.",
        "email": "Le champ « Email » est obligatoire.",
        "sessions": "Cochez au moins une session.",
        "consent": "Pour vous inscrire, cochez la case qui indique que vous acceptez "
        "l'utilisation de vos données.",
    }
    assert db.exec(select(Registration)).all() == []


def test_the_same_person_twice_to_the_same_session_is_registered_once(db, action):
    first = submit(db, action)
    again = submit(db, action, last_name="LEFEVRE", client="198.51.100.1")

    assert first == again == RECEIVED
    assert len(db.exec(select(Registration)).all()) == 1
    assert len(db.exec(select(Candidate)).all()) == 1
    assert places_taken(db, action) == 1
    bodies = [email.body for email in emails(db)]
    assert len(bodies) == 2 and bodies[0] == bodies[1]


def test_a_known_person_is_answered_exactly_as_an_unknown_one(db, action):
    other = an_action(db, allows_self_registration=True)
    known = a_candidate(db, last_name="Lefèvre", first_name="Lucas", birth_date=date(1990, 5, 17))
    known_phone = known.phone

    answer_known = submit(db, action)
    email_known = emails(db)[-1]
    answer_unknown = submit(db, other, last_name="Inconnu", first_name="Lucas")
    email_unknown = emails(db)[-1]

    assert answer_known == answer_unknown == RECEIVED
    assert email_known.subject == email_unknown.subject
    assert email_known.body == email_unknown.body
    # The known person's record is reused, and a stranger's form does not overwrite it.
    registration = db.exec(select(Registration).where(Registration.action_id == action.id)).one()
    assert registration.candidate_id == known.id
    db.refresh(known)
    assert known.phone == known_phone and known.email is None


def test_a_prescribers_draft_does_not_swallow_a_self_registration(db, action):
    pilot, prescriber = a_professional(db), a_professional(db, first_name="Inès")
    a_member(db, action, pilot, MemberRole.PILOT)
    known = a_candidate(db, last_name="Lefèvre", first_name="Lucas", birth_date=date(1990, 5, 17))
    draft = save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=known.id,
        session_ids=[action.sessions[0].id],
        submit=False,
        answers=STATISTICS_ANSWERED,
    )

    assert submit(db, action) == RECEIVED

    own = db.exec(select(Registration).where(Registration.is_self_registered)).one()
    assert own.candidate_id == known.id and own.status is S.PENDING
    assert places_taken(db, action) == 1
    rows = action_registrations(db, by=pilot.id, action_id=action.id)
    assert [(row["registration_id"], row["Prescripteur"]) for row in rows] == [
        (own.id, "Candidat libre")
    ]
    assert db.get(Registration, draft.id).status is S.DRAFT


def test_a_full_session_is_refused_whoever_registers(db):
    action = an_action(db, allows_self_registration=True, capacity=1)
    submit(db, action, last_name="Premier")

    with pytest.raises(NoPlaceLeft) as for_a_stranger:
        submit(db, action, last_name="Second")
    with pytest.raises(NoPlaceLeft) as for_the_same_person:
        submit(db, action, last_name="Premier")

    assert for_a_stranger.value.message == for_the_same_person.value.message


def test_too_many_attempts_from_one_address_are_refused(db, action, monkeypatch):
    limits(monkeypatch, per_address=2, per_email=10)
    submit(db, action, last_name="Un", client="203.0.113.9")
    submit(db, action, last_name="Deux", client="203.0.113.9")

    with pytest.raises(TooManyAttempts) as refused:
        submit(db, action, last_name="Trois", client="203.0.113.9")
    accepted_elsewhere = submit(db, action, last_name="Quatre", client="192.0.2.4")

    assert refused.value.message == TOO_MANY_ATTEMPTS
    assert accepted_elsewhere == RECEIVED
    assert len(db.exec(select(Registration)).all()) == 3


def test_failed_attempts_count_towards_the_address_limit(db, monkeypatch):
    limits(monkeypatch, per_address=1)
    full = an_action(db, allows_self_registration=True, capacity=0)
    open_one = an_action(db, allows_self_registration=True)

    with pytest.raises(NoPlaceLeft):
        submit(db, full)
    with pytest.raises(TooManyAttempts):
        submit(db, open_one)


def test_beyond_the_email_limit_nothing_is_written_nor_sent_and_the_answer_is_the_same(
    db, monkeypatch
):
    limits(monkeypatch, per_address=100, per_email=2)
    actions = [an_action(db, allows_self_registration=True) for _ in range(3)]

    answers = [submit(db, action, client=f"192.0.2.{n}") for n, action in enumerate(actions)]

    assert answers == [RECEIVED] * 3
    assert len(db.exec(select(Registration)).all()) == 2
    assert len(emails(db)) == 2


def test_attempts_keep_neither_the_address_nor_the_email_in_clear(db, action):
    submit(db, action, client="203.0.113.7")

    attempt = db.exec(select(SelfRegistrationAttempt)).one()
    assert "203.0.113.7" not in attempt.client_hash
    assert "exemple" not in attempt.email_hash and len(attempt.email_hash) == 64


def test_the_client_address_comes_from_the_trusted_proxies_only():
    forged = "6.6.6.6, 203.0.113.7"

    assert client_address(remote_ip="10.0.0.2", forwarded_for=forged, trusted_hops=0) == (
        "10.0.0.2"
    )
    assert client_address(remote_ip="10.0.0.2", forwarded_for=forged, trusted_hops=1) == (
        "203.0.113.7"
    )
    assert (
        client_address(
            remote_ip="10.0.0.3", forwarded_for="6.6.6.6, 203.0.113.7, 10.0.0.2", trusted_hops=2
        )
        == "203.0.113.7"
    )
    assert client_address(remote_ip=None, forwarded_for=None, trusted_hops=0) == "local"


# What the action needs: its eligibility fields and its own questions


def a_question(db, action, label, kind, *, required=False, choices="") -> ActionQuestion:
    question = ActionQuestion(
        action_id=action.id,
        position=len(questions.list_questions(db, action_id=action.id)) + 1,
        label=label,
        kind=kind,
        required=required,
        choices=choices,
    )
    db.add(question)
    db.commit()
    return question


@pytest.fixture
def training(db):
    """An FSE training open to self-registration, with a pilot and three questions."""
    pilot = a_professional(db)
    action = an_action(db, allows_self_registration=True, scheme=EligibilityScheme.FSE, pilot=pilot)
    available = a_question(
        db,
        action,
        "Disponibilité",
        QuestionKind.CHOICE,
        required=True,
        choices="Dès maintenant\nDans le mois",
    )
    project = a_question(db, action, "Projet professionnel", QuestionKind.TEXT)
    cv = a_question(db, action, "Dépôt du CV", QuestionKind.FILE, required=True)
    return action, pilot, available, project, cv


def fse_answers(*, participant=False, criteria=("deld",)) -> dict:
    return {"fse_criteria": list(criteria), "plie_participant": participant}


def test_required_answers_are_refused_field_by_field_together_with_the_identity(db, training):
    action, _, available, *_ = training

    with pytest.raises(InvalidInput) as refused:
        submit(db, action, phone="12", eligibility={}, questions={})

    assert refused.value.errors == {
        "phone": "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78.",
        "fse_criteria": "Cochez au moins une case dans « Eligibilité FSE ».",
        "plie_participant": "Répondez à la question « Êtes-vous accompagné·e par un référent "
        "du PLIE (participant du PLIE) ? ».",
        f"question_{available.id}": "Répondez à la question « Disponibilité ».",
    }
    assert db.exec(select(Registration)).all() == []
    assert db.exec(select(SelfRegistrationAttempt)).all() == []


def test_an_answer_outside_the_choices_offered_is_refused(db, training):
    action, _, available, *_ = training

    with pytest.raises(InvalidInput) as refused:
        submit(
            db,
            action,
            eligibility=fse_answers(criteria=["deld", "lottery"]),
            questions={available.id: "Jamais"},
        )

    assert refused.value.errors == {
        "fse_criteria": "Une réponse à « Eligibilité FSE » est inconnue.",
        f"question_{available.id}": "Choisissez une des réponses proposées à « Disponibilité ».",
    }


def test_an_exclusive_choice_ticked_with_another_is_refused(db, action):
    with pytest.raises(InvalidInput) as refused:
        submit(db, action, eligibility={"statistics": ["none", "deld"]})

    assert refused.value.errors == {
        "statistics": "« Aucun » ne peut pas être coché avec un autre critère dans "
        "« Informations à des fins statistiques pour le FSE »."
    }


def test_the_answers_are_stored_as_a_prescribers_and_read_by_the_organisers(db, training):
    action, pilot, available, project, _ = training

    submit(
        db,
        action,
        eligibility=fse_answers(criteria=["rqth", "deld"]),
        questions={available.id: "Dans le mois", project.id: "  Agent de propreté  "},
    )

    registration = db.exec(select(Registration)).one()
    stored = {(row.field, row.value) for row in db.exec(select(EligibilityAnswer))}
    assert stored == {
        ("fse_criteria", "rqth"),
        ("fse_criteria", "deld"),
        ("plie_participant", "non"),
    }
    shown = eligibility.answers_for(db, by=pilot.id, registration_id=registration.id)
    assert [(answer.label, answer.values) for answer in shown] == [
        ("Eligibilité FSE", ["Bénéficiaire d'une RQTH", "Demandeur d'emploi longue durée"]),
        ("Participant du PLIE", ["Non"]),
    ]
    answered = questions.answers_of(db, registration_id=registration.id, action_id=action.id)
    assert [(answer.label, answer.value) for answer in answered] == [
        ("Disponibilité", "Dans le mois"),
        ("Projet professionnel", "Agent de propreté"),
        ("Dépôt du CV", ""),
    ]


def test_the_organisers_see_what_is_left_to_collect_with_the_candidate(db, training):
    action, _, available, *_ = training
    submit(db, action, eligibility=fse_answers(), questions={available.id: "Dans le mois"})
    submit(
        db,
        action,
        last_name="Participant",
        eligibility=fse_answers(participant=True),
        questions={available.id: "Dès maintenant"},
    )

    not_followed, followed = db.exec(select(Registration).order_by(Registration.id)).all()

    assert still_to_collect(db, registration=not_followed) == ["Justificatif FSE", "Dépôt du CV"]
    assert still_to_collect(db, registration=followed) == [
        "Lien vers le dossier Viesion",
        "Dépôt du CV",
    ]


def test_the_viesion_link_is_never_taken_from_the_public_form(db, training):
    action, _, available, *_ = training

    submit(
        db,
        action,
        eligibility={
            **fse_answers(participant=True),
            "viesion_link": "https://viesion.example/dossiers/forged",
        },
        questions={available.id: "Dans le mois"},
    )

    fields = {row.field for row in db.exec(select(EligibilityAnswer))}
    assert fields == {"fse_criteria", "plie_participant"}


def test_a_question_of_another_action_is_ignored(db, training):
    action, _, available, *_ = training
    elsewhere = an_action(db, allows_self_registration=True, title="Autre action")
    foreign = a_question(db, elsewhere, "Autre question", QuestionKind.TEXT)

    submit(
        db,
        action,
        eligibility=fse_answers(),
        questions={available.id: "Dans le mois", foreign.id: "glissée"},
    )

    assert {answer.question_id for answer in db.exec(select(QuestionAnswer))} == {
        available.id,
        # Every question of the action gets its row, as in the prescriber's form.
        training[3].id,
    }


def test_sensitive_answers_never_reach_the_logs(db, training, caplog):
    action, _, available, project, _ = training
    caplog.set_level(logging.DEBUG)

    submit(
        db,
        action,
        eligibility=fse_answers(criteria=["rqth", "rsa", "refugee"]),
        questions={available.id: "Dans le mois", project.id: "Sortie de détention"},
    )
    with pytest.raises(InvalidInput):
        submit(db, action, eligibility=fse_answers(criteria=["rqth", "lottery"]))

    assert db.exec(select(Registration)).one()
    logged = caplog.text.lower()
    for secret in ("rqth", "rsa", "refugee", "réfugi", "détention", "lefèvre", "lucas"):
        assert secret not in logged


def test_the_consent_records_the_notice_that_speaks_of_the_answers(db, action):
    submit(db, action)

    assert db.exec(select(SelfRegistration)).one().consent_notice_version == NOTICE_VERSION
    assert "vos réponses sur votre situation" in DATA_NOTICE
    assert "Les cocher est facultatif" in SENSITIVE_NOTICE
    assert "Seuls les organisateurs de l'action voient ces réponses" in SENSITIVE_NOTICE
    assert "statistiques" in SENSITIVE_NOTICE
