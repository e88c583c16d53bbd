"""Page tests of the registration form's sections: eligibility, questions, the organisers'
questions page."""

from datetime import date

import pytest

from plie import documents
from plie.enums import QuestionKind
from tests.test_pages import checkbox_starting, fill_new_candidate, follow, search_candidate
from tests.ui_support import action_id, new_app, open_page, shows, sign_in, use_fresh_database

FSE_ACTION = "Formation agent·e de propreté et d'hygiène"
RECRUITMENT = "Job dating logistique et propreté"


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def start_registration(app, title: str):
    open_page(app, "action", id=action_id(title))
    checkbox_starting(app, "choose_session_").check()
    app.button(key="register_new").click().run()
    follow(app, "register")
    search_candidate(app, "Essai", "Zoé", date(1990, 5, 17))
    fill_new_candidate(app)
    return app


def test_the_fse_form_asks_the_viesion_link_only_for_a_plie_participant(app):
    sign_in(app, "france-travail")
    start_registration(app, FSE_ACTION)
    assert [r.label for r in app.radio] == ["Participant du PLIE *"]
    assert not [u for u in app.get("file_uploader")]

    app.radio(key="register_plie_participant").set_value("Oui").run()
    assert "Lien vers le dossier Viesion *" in [t.label for t in app.text_input]

    app.radio(key="register_plie_participant").set_value("Non").run()
    assert "Lien vers le dossier Viesion *" not in [t.label for t in app.text_input]
    assert [u.proto.label for u in app.get("file_uploader")] == [
        "Justificatif FSE *",
        "Justificatif de recherche d'emploi",
    ]


def test_each_file_field_states_the_5_mo_limit_and_the_accepted_types_in_french(app):
    sign_in(app, "france-travail")
    start_registration(app, FSE_ACTION)

    app.radio(key="register_plie_participant").set_value("Non").run()

    uploaders = app.get("file_uploader")
    assert [u.proto.max_upload_size_mb for u in uploaders] == [5, 5]
    rules = [c.value for c in app.caption if c.value == documents.upload_rules()]
    assert len(rules) == len(uploaders)


def test_sending_without_the_required_answers_names_each_of_them(app):
    sign_in(app, "france-travail")
    start_registration(app, RECRUITMENT)

    app.button(key="submit_registration").click().run()

    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        "Certains champs sont à corriger : voir les messages.",
        "Le champ « Informations à des fins statistiques pour le FSE » est obligatoire.",
        "Joignez le fichier demandé : « Dépôt du CV ».",
        "Répondez à la question « Permis B ».",
    ]


def test_the_pilot_adds_a_question_and_a_partner_is_refused(app):
    sign_in(app, "pilote")
    open_page(app, "questions", action=action_id(RECRUITMENT))
    app.text_input(key="new_question_label").input("Disponible le matin")
    app.selectbox(key="new_question_kind").set_value(QuestionKind.YES_NO)
    next(b for b in app.button if b.label == "Ajouter la question").click()
    app.run()

    assert not app.exception, app.exception
    assert shows(app, "La question est ajoutée.")
    assert shows(app, "3. Disponible le matin — Oui / Non")

    partner = new_app()
    sign_in(partner, "partenaire")
    open_page(
        partner, "questions", action=action_id("Dispositif Clause emploi – Orientation Work 2000")
    )
    assert [e.value for e in partner.error] == [
        "Seuls le pilote et les copilotes de l'action peuvent la modifier."
    ]


def test_the_recruitment_page_shows_its_employers_and_their_job_offers(app):
    open_page(app, "action", id=action_id(RECRUITMENT))

    employers = app.dataframe[0].value
    assert list(employers["Employeur"]) == [
        "Logistique Alpes Express",
        "Propreté Dauphiné Services",
    ]
    assert list(employers["Offres"])[1] == "Agent·e de propreté (CDI temps partiel)"
    assert "(4 places)" in list(employers["Créneaux"])[0]
