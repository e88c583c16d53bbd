"""Page tests of the back-office: adding and editing an action, triage, administration."""

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie import paging
from plie.models import Action, Session, StatusChange
from tests.test_pages import follow
from tests.ui_support import (
    BUILDING_SITE,
    action_id,
    new_app,
    open_page,
    shows,
    sign_in,
    use_fresh_database,
)

CLAUSE = "Dispositif Clause emploi – Orientation Work 2000"
TRAINING = "Formation agent·e de propreté et d'hygiène"


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def button(app, label):
    return next(b for b in app.button if b.label == label)


def test_an_authorised_pilot_adds_an_action_then_a_session(app):
    sign_in(app, "pilote")
    open_page(app, "action_edit")
    assert app.title[0].value == "Ajouter une action"

    app.text_input[0].input("Job dating <b>BTP</b>")
    button(app, "Créer l'action").click().run()
    follow(app, "action_edit")
    assert not app.exception, app.exception
    # What the pilot typed is shown as typed: escaped, never read as Markdown or HTML.
    assert app.title[0].value == "Modifier l'action : Job dating \\<b\\>BTP\\</b\\>"

    labels = [w for w in app.text_input if w.label == "Libellé de la session *"]
    labels[-1].input("Séance du matin")
    button(app, "Ajouter la session").click().run()

    assert not app.exception, app.exception
    assert [s.value for s in app.success] == ["La session est ajoutée."]
    with plie_db.reading() as db:
        created = db.exec(select(Action).where(Action.title == "Job dating <b>BTP</b>")).one()
        sessions = db.exec(select(Session).where(Session.action_id == created.id)).all()
    assert [s.label for s in sessions] == ["Séance du matin"]


def test_a_professional_not_authorised_as_pilot_cannot_add_an_action(app):
    sign_in(app, "partenaire")
    open_page(app, "action_edit")

    assert [e.value for e in app.error] == [
        "Seuls les professionnels autorisés comme pilotes par un administrateur peuvent "
        "ajouter une action."
    ]
    assert not [b for b in app.button if b.label == "Créer l'action"]


def test_a_partner_cannot_open_the_edit_page_of_the_action_they_partner(app):
    sign_in(app, "partenaire")
    open_page(app, "action_edit", id=action_id(CLAUSE))

    assert [e.value for e in app.error] == [
        "Seuls le pilote et les copilotes de l'action peuvent la modifier."
    ]


def test_a_refusal_asks_for_a_reason_and_records_it(app):
    sign_in(app, "copilote")
    open_page(app, "triage", action=action_id(CLAUSE))
    assert shows(app, "En attente - à traiter : 1")

    app.text_input(key="f_search").input("").run()
    app.checkbox(key="select_all").check().run()
    app.text_input(key="f_search").input("").run()
    refusal = app.selectbox(key="new_status").options.index("Refusé par la commission")
    app.selectbox(key="new_status").select_index(refusal).run()
    assert app.selectbox(key="reason").options[0] == "Prérequis de l'action non remplis"
    app.selectbox(key="reason").set_value("Justificatifs manquants")
    app.button(key="apply").click().run()

    assert not app.exception, app.exception
    assert app.success[0].value.startswith("4 inscriptions passées à l'état")
    with plie_db.reading() as db:
        reasons = db.exec(
            select(StatusChange.reason).where(StatusChange.reason == "Justificatifs manquants")
        )
        assert len(reasons.all()) == 4


def test_applying_without_a_selection_asks_for_one(app):
    sign_in(app, "pilote")
    open_page(app, "triage", action=action_id(BUILDING_SITE))

    app.button(key="apply").click().run()

    assert [e.value for e in app.error] == [
        "Sélectionnez au moins une inscription dans le tableau."
    ]


def test_triage_across_my_actions_lists_every_action_i_organise(app):
    sign_in(app, "pilote")
    open_page(app, "triage")

    assert app.title[0].value == "Inscriptions de mes actions"
    tables = [frame.value for frame in app.dataframe if "Candidat" in frame.value.columns]
    # The pilot pilots the building site visit and copilots the training; not the clause one.
    assert {BUILDING_SITE, TRAINING} <= set(tables[0]["Action"])
    assert CLAUSE not in set(tables[0]["Action"])


def test_the_export_button_offers_an_excel_file(app):
    sign_in(app, "pilote")
    open_page(app, "triage", action=action_id(BUILDING_SITE))

    app.button(key="prepare_export").click().run()

    assert not app.exception, app.exception
    assert app.session_state["triage_export"][1][:2] == b"PK"


def test_the_admin_authorises_a_pilot_from_the_administration(app):
    sign_in(app, "pilote")
    open_page(app, "admin")  # by its address: the sidebar does not offer it to a pilot
    assert [e.value for e in app.error] == ["Cette page est réservée aux administrateurs."]
    assert not app.dataframe

    admin = new_app()
    sign_in(admin, "admin")
    open_page(admin, "admin")
    table = admin.dataframe[0].value
    partner = list(table["Email"]).index("partenaire@plie-demo.example")
    assert admin.title[0].value == "Administration"
    assert bool(table["Pilote autorisé"][partner]) is False
    assert "Compte local autorisé" in table.columns


def test_an_export_prepared_for_one_action_is_not_offered_on_another(app):
    sign_in(app, "pilote")
    open_page(app, "triage", action=action_id(BUILDING_SITE))
    app.button(key="prepare_export").click().run()
    downloads = [element.proto.label for element in app.get("download_button")]
    assert downloads == ["Télécharger l'export Excel"]

    open_page(app, "triage", action=action_id("Job dating logistique et propreté"))

    assert [element.proto.label for element in app.get("download_button")] == []


def candidates_shown(app) -> list[str]:
    tables = [frame.value for frame in app.dataframe if "Candidat" in frame.value.columns]
    return list(tables[0]["Candidat"])


def test_the_table_shows_one_page_at_a_time_and_select_all_takes_every_page(app, monkeypatch):
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)
    sign_in(app, "copilote")
    open_page(app, "triage", action=action_id(CLAUSE))
    first = candidates_shown(app)

    app.number_input(key="triage_page_2").set_value(2).run()
    second = candidates_shown(app)
    app.checkbox(key="select_all").check().run()

    assert not app.exception, app.exception
    assert app.number_input(key="triage_page_2").label == "Page (sur 2)"
    assert (len(first), len(second)) == (3, 1)
    assert not set(first) & set(second)
    assert shows(app, "4 inscriptions sélectionnées")
    assert app.checkbox(key="select_all").label == "Tout sélectionner (4 lignes)"


def test_counts_of_one_are_singular_in_the_table(app):
    sign_in(app, "copilote")
    open_page(app, "triage", action=action_id(CLAUSE))
    name = candidates_shown(app)[0]

    app.text_input(key="f_search").input(name).run()
    app.checkbox(key="select_all").check().run()

    assert not app.exception, app.exception
    assert candidates_shown(app) == [name]
    assert app.checkbox(key="select_all").label == "Tout sélectionner (1 ligne)"
    assert shows(app, "1 inscription sélectionnée")


def test_filters_matching_nothing_say_so_and_offer_nothing_to_select_change_or_export(app):
    sign_in(app, "copilote")
    open_page(app, "triage", action=action_id(CLAUSE))

    app.text_input(key="f_search").input("Zzyzx").run()

    assert not app.exception, app.exception
    assert [info.value for info in app.info] == ["Aucune inscription ne correspond à ces filtres."]
    shown = {widget.key for widget in (*app.checkbox, *app.button)}
    assert not shown & {"select_all", "apply", "prepare_export"}
