"""Page tests of what a visitor sees without signing in: the agenda and self-registration."""

from datetime import date

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie import eligibility
from plie.models import (
    ActionQuestion,
    Candidate,
    OutboxEmail,
    QuestionAnswer,
    Registration,
    Session,
)
from plie.self_registration import RECEIVED, SENSITIVE_NOTICE
from tests.ui_support import (
    BUILDING_SITE,
    action_id,
    new_app,
    open_page,
    shows,
    sign_in,
    use_fresh_database,
)

NUMERIQUE = "Atelier Numériqu'Emploi"
TRAINING = "Formation agent·e de propreté et d'hygiène"


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def test_the_agenda_shows_categories_in_the_sites_order(app):
    headings = [s.value for s in app.subheader]

    assert headings[:3] == ["ATELIERS", "FORMATIONS ET ORIENTATION", "RECRUTEMENTS"]
    assert "POUR LES PARTENAIRES DU PLIE" in headings


def test_filtering_the_agenda_by_commune_then_tout_l_agenda(app):
    app.selectbox(key="filter_commune").set_value("Fontaine").run()

    assert [s.value for s in app.subheader] == ["FORMATIONS ET ORIENTATION"]
    assert not shows(app, f"**{BUILDING_SITE}**")

    app.button(key="show_everything_button").click().run()

    assert app.selectbox(key="filter_commune").value is None
    assert shows(app, f"**{BUILDING_SITE}**")


def test_the_action_page_offers_self_registration_and_prescriber_sign_in(app):
    open_page(app, "action", id=action_id(BUILDING_SITE))

    links = [link.label for link in app.get("page_link")]
    assert "S'inscrire comme candidat libre" in links
    assert "ou se connecter en tant que prescripteur" in links


def fill_every_session(title: str) -> None:
    with plie_db.writing() as db:
        for session in db.exec(select(Session).where(Session.action_id == action_id(title))):
            session.places_taken = session.capacity
            db.add(session)
        db.commit()


def test_an_action_whose_sessions_are_all_full_offers_no_registration(app):
    fill_every_session(BUILDING_SITE)

    open_page(app, "action", id=action_id(BUILDING_SITE))

    links = [link.label for link in app.get("page_link")]
    assert "S'inscrire comme candidat libre" not in links
    assert "ou se connecter en tant que prescripteur" in links
    assert shows(
        app, "Toutes les sessions sont complètes ou closes : inscription directe impossible."
    )


def test_a_prescriber_is_not_offered_to_register_on_full_sessions(app):
    fill_every_session(BUILDING_SITE)
    sign_in(app, "france-travail")

    open_page(app, "action", id=action_id(BUILDING_SITE))

    assert not app.exception, app.exception
    assert not [b for b in app.button if b.key == "register_new"]
    assert shows(
        app,
        "Toutes les sessions sont complètes ou closes : aucun candidat ne peut y être inscrit "
        "pour le moment.",
    )


def fill_self_registration(app, **changes):
    values = {
        "last_name": "Essai-Libre",
        "first_name": "Inès",
        "birth_date": date(1994, 2, 3),
        "phone": "+33 6 39 98 44 01",
        "email": "INES.ESSAI@EXEMPLE.FR",
        "consent": True,
        # The building site's statistical question: "Aucun".
        "ticked": ["self_statistics_none"],
        **changes,
    }
    app.text_input(key="self_last_name").input(values["last_name"])
    app.text_input(key="self_first_name").input(values["first_name"])
    app.date_input(key="self_birth_date").set_value(values["birth_date"])
    app.text_input(key="self_phone").input(values["phone"])
    app.text_input(key="self_email").input(values["email"])
    for key in values["ticked"]:
        app.checkbox(key=key).check()
    if values["consent"]:
        app.checkbox(key="self_consent").check()
    next(b for b in app.button if b.label == "Envoyer ma demande d'inscription").click()
    app.run()
    assert not app.exception, app.exception
    return app


def test_a_visitor_self_registers_and_receives_the_same_answer_as_anyone(app):
    open_page(app, "self_registration", id=action_id(BUILDING_SITE))

    fill_self_registration(app)

    assert [s.value for s in app.success] == [RECEIVED]
    with plie_db.reading() as db:
        registration = db.exec(
            select(Registration)
            .join(Candidate, Candidate.id == Registration.candidate_id)
            .where(Candidate.last_name == "Essai-Libre")
        ).one()
        email = db.exec(
            select(OutboxEmail).where(OutboxEmail.to_address == "ines.essai@exemple.fr")
        ).one()
    assert registration.prescriber_id is None
    assert email.subject == f"Votre demande d'inscription : {BUILDING_SITE}"


def test_without_accepting_the_notice_nothing_is_sent_and_the_form_keeps_what_was_typed(app):
    open_page(app, "self_registration", id=action_id(BUILDING_SITE))

    fill_self_registration(app, consent=False)

    assert [e.value for e in app.error] == [
        "Pour vous inscrire, cochez la case qui indique que vous acceptez l'utilisation de vos "
        "données."
    ] * 2
    assert app.text_input(key="self_last_name").value == "Essai-Libre"
    assert app.text_input(key="self_email").value == "INES.ESSAI@EXEMPLE.FR"


def test_an_action_closed_to_self_registration_says_so(app):
    open_page(app, "self_registration", id=action_id("Jobreboost 100 chances 100 emplois"))

    assert shows(app, "Cette action n'accepte pas d'inscription directe")
    assert not [b for b in app.button if b.label == "Envoyer ma demande d'inscription"]


def registration_of(last_name: str) -> Registration:
    with plie_db.reading() as db:
        return db.exec(
            select(Registration)
            .join(Candidate, Candidate.id == Registration.candidate_id)
            .where(Candidate.last_name == last_name)
        ).one()


def test_the_form_asks_the_candidates_situation_and_the_actions_questions_but_no_file(app):
    open_page(app, "self_registration", id=action_id(TRAINING))

    assert shows(app, "**VOTRE SITUATION**") and shows(app, "**QUESTIONS DE L'ACTION**")
    assert app.radio(key="self_plie_participant").label == (
        "Êtes-vous accompagné·e par un référent du PLIE (participant du PLIE) ? *"
    )
    assert "Dispo" in app.selectbox[0].label
    assert shows(app, SENSITIVE_NOTICE)
    assert not app.get("file_uploader")
    assert "Lien vers le dossier Viesion" not in [field.label for field in app.text_input]


def test_missing_answers_are_shown_at_their_fields_and_nothing_typed_is_lost(app):
    open_page(app, "self_registration", id=action_id(TRAINING))
    with plie_db.reading() as db:
        available = db.exec(
            select(ActionQuestion).where(ActionQuestion.label == "Disponibilité")
        ).one()

    fill_self_registration(app, ticked=[], phone="12")

    assert sorted(e.value for e in app.error) == sorted(
        [
            "Certains champs sont à corriger : voir les messages.",
            "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78.",
            "Cochez au moins une case dans « Eligibilité FSE ».",
            "Répondez à la question « Êtes-vous accompagné·e par un référent du PLIE "
            "(participant du PLIE) ? ».",
            "Répondez à la question « Disponibilité ».",
        ]
    )
    assert app.text_input(key="self_phone").value == "12"

    app.checkbox(key="self_fse_criteria_deld").check()
    app.checkbox(key="self_fse_criteria_rqth").check()
    app.radio(key="self_plie_participant").set_value("Non")
    app.selectbox(key=f"self_question_{available.id}").set_value("Dans le mois")
    fill_self_registration(app, ticked=[], consent=False)

    assert [s.value for s in app.success] == [RECEIVED]
    registration = registration_of("Essai-Libre")
    with plie_db.reading() as db:
        stored = eligibility.stored_answers(db, registration.id)
        answer = db.exec(
            select(QuestionAnswer).where(
                QuestionAnswer.registration_id == registration.id,
                QuestionAnswer.question_id == available.id,
            )
        ).one()
    assert stored == {"fse_criteria": ["rqth", "deld"], "plie_participant": ["non"]}
    assert answer.value == "Dans le mois"
