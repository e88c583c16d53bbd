"""Page tests: home.py and its pages run by Streamlit's AppTest on a fresh demo database."""

from datetime import date

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie import eligibility
from plie.enums import Gender, RegistrationStatus
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    EligibilityAnswer,
    Professional,
    Registration,
)
from tests.ui_support import (
    BUILDING_SITE,
    a_demo_candidate_named,
    action_id,
    demo_email,
    everything_sent,
    new_app,
    open_page,
    shows,
    sign_in,
    use_fresh_database,
)
from ui.sitemap import SIGNED_IN_PAGES

SIGN_IN_FIRST = "Connectez-vous pour accéder à cette page."


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def follow(app, page: str):
    """Stay on the page the script switched to: AppTest keeps going back to the last one opened."""
    assert not app.exception, app.exception
    app.switch_page(f"app_pages/{page}.py")
    return app


def checkbox_starting(app, prefix: str):
    return next(box for box in app.checkbox if box.key and box.key.startswith(prefix))


def start_registration_on_building_site(app):
    """As a signed-in prescriber: tick the first session and ask to register a candidate."""
    open_page(app, "action", id=action_id(BUILDING_SITE))
    checkbox_starting(app, "choose_session_").check()
    app.button(key="register_new").click().run()
    return follow(app, "register")


def search_candidate(app, last: str, first: str, born: date):
    app.text_input(key="search_last_name").input(last)
    app.text_input(key="search_first_name").input(first)
    app.date_input(key="search_birth_date").set_value(born)
    next(b for b in app.button if b.label == "Créer ou rechercher le candidat").click()
    app.run()
    assert not app.exception, app.exception
    return app


def fill_new_candidate(app, **values):
    fields = {
        "phone": "06 39 98 77 01",
        "email": "",
        "address": "3 rue des Essais, 38100 Grenoble",
        "gender": Gender.FEMALE,
        "qualification_level": "3",
        **values,
    }
    for name in ("phone", "email"):
        app.text_input(key=f"new_{name}").input(fields[name])
    app.text_area(key="new_address").input(fields["address"])
    if fields["gender"] is not None:
        app.radio(key="new_gender").set_value(fields["gender"])
    if fields["qualification_level"] is not None:
        app.selectbox(key="new_qualification_level").set_value(fields["qualification_level"])
    next(b for b in app.button if b.label.startswith("Ajouter un candidat")).click()
    app.run()
    assert not app.exception, app.exception
    return app


def test_agenda_lists_the_demo_actions_to_a_visitor(app):
    assert app.title[0].value == "Agenda des actions du PLIE"
    assert shows(app, "**Découverte d'un chantier école bâtiment au féminin**")
    assert shows(app, "**Atelier Numériqu'Emploi**")
    assert shows(app, "**Jobreboost 100 chances 100 emplois**")


def test_action_page_shows_places_left_and_deadline_of_each_session(app):
    open_page(app, "action", id=action_id(BUILDING_SITE))

    assert app.title[0].value == BUILDING_SITE
    assert "Places restantes : 29" in [m.value for m in app.markdown]
    assert any(m.value.startswith("Limite d'inscription : ") for m in app.markdown)
    assert checkbox_starting(app, "choose_session_").label == "Choisir cette session"


def test_an_unknown_action_id_says_the_action_does_not_exist(app):
    open_page(app, "action", id=9999)

    assert [e.value for e in app.error] == ["Cette action n'existe pas ou n'est plus publiée."]
    assert not app.title


def test_signing_in_with_a_demo_account_remembers_the_professional(app):
    sign_in(app, "france-travail")

    assert app.session_state["sign_in_kind"] == "local"
    assert app.session_state["user_email"] == "france-travail@plie-demo.example"
    assert app.session_state["user_id"] is not None
    assert shows(app, "Connecté·e : france-travail@plie-demo.example")


def test_signing_in_from_the_sign_in_page_leads_to_the_dashboard(app):
    sign_in(app, "pilote")

    assert app.session_state["page_name"] == "tableau-de-bord"
    assert app.title[0].value == "Mon tableau de bord"


def test_every_page_for_professionals_asks_a_visitor_to_sign_in(app):
    for entries in SIGNED_IN_PAGES.values():
        for entry in entries:
            open_page(app, entry.script)

            assert app.session_state["page_name"] == entry.url_path
            assert shows(app, SIGN_IN_FIRST), entry.url_path


def test_a_dashboard_link_opened_while_signed_out_leads_to_the_dashboard_after_sign_in(app):
    open_page(app, "dashboard")
    assert shows(app, SIGN_IN_FIRST)

    sign_in(app, "france-travail")

    assert app.session_state["page_name"] == "tableau-de-bord"
    assert [s.value for s in app.subheader][0] == "Mes candidats"


def test_a_page_of_another_role_tells_a_prescriber_why_it_is_refused(app):
    sign_in(app, "france-travail")

    for group in ("Coordination", "Administration"):
        for entry in SIGNED_IN_PAGES[group]:
            open_page(app, entry.script)

            assert app.session_state["page_name"] == entry.url_path
            assert [e.value for e in app.error] in (
                ["Cette page est réservée aux coordinateurs du PLIE."],
                ["Cette page est réservée aux administrateurs."],
            ), entry.url_path


def test_signing_in_with_a_wrong_password_is_refused_in_french(app):
    sign_in(app, "france-travail", password="pas-le-bon")

    assert [e.value for e in app.error] == ["Adresse email ou mot de passe incorrect."]
    assert "user_id" not in app.session_state


def test_prescriber_dashboard_shows_mes_candidats(app):
    sign_in(app, "france-travail")
    open_page(app, "dashboard")

    assert app.title[0].value == "Mon tableau de bord"
    assert [s.value for s in app.subheader][0] == "Mes candidats"
    candidates = app.dataframe[0].value
    assert "Validé" in list(candidates["Etat"])


def test_organiser_dashboard_lists_the_actions_they_organise(app):
    sign_in(app, "pilote")
    open_page(app, "dashboard")

    assert app.subheader[0].value == (
        "Mes actions en tant qu'organisateur (pilote/copilote/partenaire)"
    )
    assert BUILDING_SITE in list(app.dataframe[0].value["Libellé"])


def test_registering_without_a_ticked_session_asks_to_tick_one(app):
    sign_in(app, "france-travail")
    open_page(app, "action", id=action_id(BUILDING_SITE))

    app.button(key="register_new").click().run()

    assert [w.value for w in app.warning] == [
        "Cochez au moins une session avant d'inscrire un candidat."
    ]


def test_search_without_a_first_name_is_refused_in_french(app):
    sign_in(app, "france-travail")
    start_registration_on_building_site(app)

    search_candidate(app, "Le", "", date(1990, 1, 1))

    assert [e.value for e in app.error] == [
        "Tapez au moins les 3 premières lettres du nom et du prénom "
        "(le nom entier s'il est plus court)."
    ]
    assert app.text_input(key="search_last_name").value == "Le"


def test_a_candidate_named_in_two_letters_can_be_searched_then_created(app):
    sign_in(app, "france-travail")
    start_registration_on_building_site(app)

    search_candidate(app, "Ly", "Bo", date(1990, 1, 1))

    assert not app.error
    assert shows(app, "Aucun candidat existant ne correspond à ces données")
    assert app.text_input(key="new_last_name").value == "Ly"


def test_search_ignores_case_and_accents_and_finds_lefevre(app):
    lefevre = a_demo_candidate_named("Lefèvre")
    sign_in(app, "france-travail")
    start_registration_on_building_site(app)

    search_candidate(app, "lefe", lefevre.first_name[:3].lower(), lefevre.birth_date)

    assert [b.label for b in app.button if b.label.startswith("Choisir ")] == [
        f"Choisir {lefevre.display_name}"
    ]


def test_candidate_form_refuses_bad_input_at_each_field_and_keeps_what_was_typed(app):
    sign_in(app, "france-travail")
    start_registration_on_building_site(app)
    search_candidate(app, "Essai", "Zoé", date(1990, 5, 17))
    assert shows(app, "Aucun candidat existant ne correspond à ces données")

    fill_new_candidate(
        app,
        phone="12 34",
        email="pas-un-email",
        address="  ",
        gender=None,
        qualification_level=None,
    )

    errors = [e.value for e in app.error]
    assert errors == [
        "Le champ « Genre » est obligatoire.",
        "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78.",
        "L'adresse email n'est pas valide, par exemple prenom.nom@exemple.fr.",
        "Le champ « Adresse » est obligatoire.",
        "Le champ « Niveau de qualification » est obligatoire.",
        "Certains champs sont à corriger : voir les messages.",
    ]
    assert app.text_input(key="new_last_name").value == "Essai"
    assert app.text_input(key="new_first_name").value == "Zoé"
    assert app.date_input(key="new_birth_date").value == date(1990, 5, 17)
    assert app.text_input(key="new_phone").value == "12 34"
    assert app.text_input(key="new_email").value == "pas-un-email"


def test_a_submitted_registration_waits_for_the_organisers(app):
    sign_in(app, "france-travail")
    start_registration_on_building_site(app)
    search_candidate(app, "Essai", "Zoé", date(1990, 5, 17))
    fill_new_candidate(app)
    assert not [e.value for e in app.error]

    app.checkbox(key="register_statistics_none").check()
    app.button(key="submit_registration").click().run()
    follow(app, "registration")

    assert [s.value for s in app.success] == [
        "Inscription enregistrée : En attente - à traiter. "
        "Un email de confirmation vous est envoyé."
    ]
    assert "Etat de l'inscription : **En attente - à traiter**" in [m.value for m in app.markdown]
    assert [b.key for b in app.button if b.key in ("delete", "unregister")] == ["delete"]


def test_triage_refuses_a_professional_who_does_not_organise_the_action(app):
    # The partner organises other actions, so the triage page exists for them, not this one.
    sign_in(app, "partenaire")

    open_page(app, "triage", action=action_id(BUILDING_SITE))

    assert [e.value for e in app.error] == [
        "Vous n'êtes pas organisateur de cette action : "
        "ses inscriptions ne vous sont pas accessibles."
    ]
    assert not app.title


def test_organiser_validates_selected_registrations_and_prescriber_may_only_unregister(app):
    sign_in(app, "france-travail")
    start_registration_on_building_site(app)
    search_candidate(app, "Essai", "Zoé", date(1990, 5, 17))
    fill_new_candidate(app)
    app.checkbox(key="register_statistics_none").check()
    app.button(key="submit_registration").click().run()
    follow(app, "registration")
    registration_id = int(app.query_params["id"])

    pilot = new_app()
    sign_in(pilot, "pilote")
    open_page(pilot, "triage", action=action_id(BUILDING_SITE))
    pilot.checkbox(key="select_all").check().run()
    pilot.selectbox(key="new_status").select_index(
        [option for option in pilot.selectbox(key="new_status").options].index("Validé")
    )
    next(b for b in pilot.button if b.label == "Appliquer aux inscriptions sélectionnées").click()
    pilot.run()

    assert not pilot.exception, pilot.exception
    # The demo's registration was already validated: only the new one changes.
    assert pilot.success[0].value.startswith("1 inscription passée à l'état « Validé ».")

    open_page(app, "registration", id=registration_id)
    assert "Etat de l'inscription : **Validé**" in [m.value for m in app.markdown]
    assert [b.key for b in app.button if b.key in ("delete", "unregister")] == ["unregister"]


def test_a_link_opened_while_signed_out_asks_to_sign_in_then_leads_back_to_it(app):
    with plie_db.reading() as db:
        registration_id = db.exec(
            select(Registration.id)
            .join(Professional, Professional.id == Registration.prescriber_id)
            .where(Professional.email == demo_email("france-travail"))
        ).first()
    open_page(app, "registration", id=registration_id)
    assert shows(app, SIGN_IN_FIRST)

    sign_in(app, "france-travail")

    assert app.session_state["page_name"] == "inscription"
    assert app.query_params["id"] == str(registration_id)
    assert shows(app, "Inscription le")


def a_demo_self_registration(first_name: str) -> int:
    """The demo's "candidat libre" of that first name (Léo Rousseau, on the training)."""
    with plie_db.reading() as db:
        return db.exec(
            select(Registration.id)
            .join(Candidate, Candidate.id == Registration.candidate_id)
            .where(Registration.is_self_registered, Candidate.first_name == first_name)
        ).one()


def test_the_pilot_corrects_a_self_registration_and_gives_the_viesion_link(app):
    sign_in(app, "copilote")  # the training's pilot
    open_page(app, "registration", id=a_demo_self_registration("Léo"))
    assert shows(app, "À compléter avec le candidat : Justificatif FSE")
    assert shows(
        app,
        "Inscription faite par le candidat lui-même (candidat libre) : l'éligibilité et les "
        "réponses aux questions sont celles qu'il a déclarées ; le pilote et les copilotes de "
        "l'action les complètent avec lui.",
    )
    assert [e.label for e in app.expander if e.label.startswith("Compléter")] == [
        "Compléter l'inscription avec le candidat"
    ]

    # He is in fact followed by a PLIE referent: the Viesion link replaces the FSE proof.
    app.radio(key="edit_plie_participant").set_value("Oui").run()
    app.text_input(key="edit_viesion_link").input("https://viesion.example/dossiers/leo")
    app.button(key="save_answers").click().run()

    assert not app.exception, app.exception
    assert shows(app, "Les informations de l'inscription sont enregistrées.")
    assert not shows(app, "À compléter avec le candidat")
    assert app.text_input(key="edit_viesion_link").value == "https://viesion.example/dossiers/leo"


def test_a_prescribers_registration_offers_its_organisers_no_completion(app):
    sign_in(app, "copilote")
    with plie_db.reading() as db:
        registration_id = db.exec(
            select(Registration.id)
            .join(ActionMember, ActionMember.action_id == Registration.action_id)
            .join(Professional, Professional.id == ActionMember.professional_id)
            .where(Professional.email == demo_email("copilote"))
            .where(Registration.prescriber_id.is_not(None), Registration.status != "draft")
            .order_by(Registration.id)
        ).first()
    open_page(app, "registration", id=registration_id)

    assert shows(app, "Inscription le")
    assert not [e for e in app.expander if e.label.startswith("Compléter")]
    assert not [b for b in app.button if b.key == "save_answers"]


def someone_france_travail_sent_elsewhere() -> Candidate:
    """A demo candidate with an email, sent by France Travail to an action other than the
    building site, whom the CCAS has never registered."""
    building_site = action_id(BUILDING_SITE)
    with plie_db.reading() as db:
        france_travail = db.exec(
            select(Professional.id).where(Professional.email == demo_email("france-travail"))
        ).one()
        elsewhere = select(Registration.candidate_id).where(
            Registration.prescriber_id != france_travail
        )
        on_site = select(Registration.candidate_id).where(Registration.action_id == building_site)
        return db.exec(
            select(Candidate)
            .join(Registration, Registration.candidate_id == Candidate.id)
            .where(
                Registration.prescriber_id == france_travail,
                Registration.status != "draft",
                Candidate.email.is_not(None),
                Candidate.id.not_in(elsewhere),
                Candidate.id.not_in(on_site),
            )
            .order_by(Candidate.id)
        ).first()


def test_a_prescriber_who_found_someone_never_receives_their_contact_details(app):
    person = someone_france_travail_sent_elsewhere()
    sign_in(app, "ccas")
    start_registration_on_building_site(app)
    search_candidate(app, person.last_name[:3], person.first_name[:3], person.birth_date)
    app.button(key=f"pick_{person.id}").click().run()
    assert person.phone not in everything_sent(app)
    app.checkbox(key="register_statistics_none").check()
    app.button(key="save_draft").click().run()
    follow(app, "registration")
    assert not app.exception, app.exception

    sent = everything_sent(app)
    assert shows(app, person.display_name)
    assert shows(app, "Coordonnées masquées : vous les verrez une fois l'inscription envoyée")
    for detail in (person.phone, person.email, person.address, person.viesion_id):
        assert not detail or detail not in sent
    assert f"Téléphone : {person.phone[:2]} •• •• •• {person.phone[-2:]}" in sent

    open_page(app, "dashboard")
    sent = everything_sent(app)
    assert person.phone not in sent and person.email not in sent


def test_a_prescriber_replaces_a_masked_phone_without_reading_it_then_reads_it_once_sent(app):
    person = someone_france_travail_sent_elsewhere()
    sign_in(app, "ccas")
    start_registration_on_building_site(app)
    search_candidate(app, person.last_name[:3], person.first_name[:3], person.birth_date)
    app.button(key=f"pick_{person.id}").click().run()
    app.checkbox(key="register_statistics_none").check()
    app.button(key="save_draft").click().run()
    follow(app, "registration")

    app.text_input(key="replace_phone").input("07 11 22 33 44")
    next(b for b in app.button if b.label == "Enregistrer les informations du candidat").click()
    app.run()

    assert not app.exception, app.exception
    assert shows(app, "Les informations du candidat sont enregistrées.")
    sent = everything_sent(app)
    assert "07 11 22 33 44" not in sent and person.email not in sent
    with plie_db.reading() as db:
        stored = db.get(Candidate, person.id)
    assert (stored.phone, stored.email, stored.address) == (
        "07 11 22 33 44",
        person.email,
        person.address,
    )

    app.button(key="submit_draft").click().run()
    assert not app.exception, app.exception
    assert shows(app, "Téléphone : 07 11 22 33 44")
    assert [f.value for f in app.text_input if f.label == "Email"] == [person.email]


def test_an_organiser_reads_the_qualification_level_by_its_name_and_what_is_not_given(app):
    """The registration's page names the level ("Niveau 3 – CAP, BEP"), never its bare code,
    and says "Non renseigné" for an empty number, as it does for the address."""
    building_site = action_id(BUILDING_SITE)
    with plie_db.writing() as db:
        registration = db.exec(
            select(Registration)
            .where(
                Registration.action_id == building_site,
                Registration.status != RegistrationStatus.DRAFT,
            )
            .order_by(Registration.id)
        ).first()
        candidate = db.get(Candidate, registration.candidate_id)
        candidate.qualification_level = "3"
        candidate.france_travail_id = None
        db.add(candidate)
        db.commit()
    sign_in(app, "pilote")  # the building site's pilot

    open_page(app, "registration", id=registration.id)

    assert shows(app, "Niveau de qualification : Niveau 3 – CAP, BEP")
    assert shows(app, "N° France Travail : Non renseigné")


def test_sending_a_draft_takes_the_answers_ticked_on_its_page_without_saving_them_first(app):
    """A prescriber ticks the statistics answer on the draft's page and sends it at once: the
    answer on screen is saved with the sending, not refused as missing."""
    person = someone_france_travail_sent_elsewhere()
    sign_in(app, "ccas")
    start_registration_on_building_site(app)
    search_candidate(app, person.last_name[:3], person.first_name[:3], person.birth_date)
    app.button(key=f"pick_{person.id}").click().run()
    app.button(key="save_draft").click().run()
    follow(app, "registration")

    app.checkbox(key="edit_statistics_under_26").check()
    app.button(key="submit_draft").click().run()

    assert not app.exception, app.exception
    assert not [error.value for error in app.error]
    with plie_db.reading() as db:
        registration = db.exec(
            select(Registration).where(
                Registration.candidate_id == person.id,
                Registration.action_id == action_id(BUILDING_SITE),
            )
        ).one()
        answers = eligibility.stored_answers(db, registration.id)
    assert registration.status is RegistrationStatus.PENDING
    assert answers["statistics"] == ["under_26"]


def test_the_registration_page_says_participant_plie_when_the_form_declares_it(app):
    """The page agrees with the ESF workbook: "Participant PLIE : oui" when the import flags the
    person or, as here, when the registration's answers declare it."""
    building_site = action_id(BUILDING_SITE)
    with plie_db.writing() as db:
        registration = db.exec(
            select(Registration)
            .where(
                Registration.action_id == building_site,
                Registration.status != RegistrationStatus.DRAFT,
            )
            .order_by(Registration.id)
        ).first()
        candidate = db.get(Candidate, registration.candidate_id)
        candidate.is_plie_participant = False
        db.add(candidate)
        scheme = db.get(Action, building_site).eligibility_scheme
        fields = eligibility.form_for(scheme).fields
        criteria = next(f for f in fields if f.kind is eligibility.FieldKind.CRITERIA)
        for answer in db.exec(
            select(EligibilityAnswer).where(EligibilityAnswer.registration_id == registration.id)
        ):
            db.delete(answer)
        db.flush()
        db.add(
            EligibilityAnswer(registration_id=registration.id, field=criteria.code, value="plie")
        )
        db.commit()
    sign_in(app, "pilote")

    open_page(app, "registration", id=registration.id)

    assert shows(app, "Participant PLIE : oui")
