"""In headless Chromium: a visitor self-registers from the agenda; a coordinator imports."""

import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from plie.db import make_engine, reading
from plie.models import Action, Candidate, Registration
from plie.self_registration import CONSENT_LABEL, RECEIVED
from tests import test_browser_journey as journey
from tests.test_browser_backoffice import choose
from tests.test_browser_journey import (
    demo_ids,
    expect,
    open_from_sidebar,
    search,
    sign_in,
    type_french_date,
    wait_for_app,
)
from tests.test_browser_registration_form import attach
from tests.ui_support import BUILDING_SITE

pytestmark = pytest.mark.browser
# The journey's fixtures: a server of our own on a fresh demo database, Chromium, new contexts.
server, browser, pages = journey.server, journey.browser, journey.pages
SAMPLE = Path(__file__).parent / "data" / "participants-export.csv"
TRAINING = "Formation agent·e de propreté et d'hygiène"


def test_a_link_to_an_action_works_as_the_first_request_of_a_new_browser(server, pages):
    base_url, database_url = server
    # Someone else's visit loads the demo; the visitor's browser has never seen the app.
    first_visit = pages()
    first_visit.goto(base_url)
    expect(first_visit.get_by_role("heading", name="Agenda des actions du PLIE")).to_be_visible()
    action_id, _ = demo_ids(database_url)
    visitor = pages()

    visitor.goto(f"{base_url}/action?id={action_id}")

    expect(visitor.get_by_role("heading", name=BUILDING_SITE)).to_be_visible()
    expect(visitor.get_by_text("Places restantes :").first).to_be_visible()
    expect(visitor.get_by_role("link", name="S'inscrire comme candidat libre")).to_be_visible()
    expect(
        visitor.get_by_role("link", name="ou se connecter en tant que prescripteur")
    ).to_be_visible()


def open_action_by_its_link(page, action_id: int) -> None:
    page.locator(f'a[href="action?id={action_id}"]').click()


def demo_training(database_url: str) -> int:
    engine = make_engine(database_url)
    with reading(engine) as db:
        action_id = db.exec(select(Action.id).where(Action.title == TRAINING)).one()
    engine.dispose()
    return action_id


def registration_of(database_url: str, last_name: str, first_name: str | None = None) -> int:
    engine = make_engine(database_url)
    query = (
        select(Registration.id)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .where(Candidate.last_name == last_name)
    )
    if first_name is not None:
        query = query.where(Candidate.first_name == first_name)
    with reading(engine) as db:
        registration_id = db.exec(query).one()
    engine.dispose()
    return registration_id


def test_a_visitor_self_registers_from_the_public_agenda_answering_what_the_action_needs(
    server, pages
):
    base_url, database_url = server
    visitor = pages()
    visitor.goto(base_url)
    expect(visitor.get_by_role("heading", name="Agenda des actions du PLIE")).to_be_visible()
    expect(visitor.get_by_text(TRAINING, exact=True)).to_be_visible()
    wait_for_app(visitor)

    open_action_by_its_link(visitor, demo_training(database_url))
    expect(visitor.get_by_role("heading", name=TRAINING)).to_be_visible()
    wait_for_app(visitor)
    visitor.get_by_role("link", name="S'inscrire comme candidat libre").click()
    expect(visitor.get_by_role("heading", name="S'inscrire comme candidat libre")).to_be_visible()
    wait_for_app(visitor)

    form = visitor.get_by_test_id("stForm").first
    form.get_by_label("Nom *", exact=True).fill("Essai-Libre")
    form.get_by_label("Prénom *", exact=True).fill("Inès")
    type_french_date(form, "Date de naissance *", date(1994, 2, 3))
    form.get_by_label("Téléphone *").fill("06 39 98 44 02")
    form.get_by_label("Email *").fill("INES.LIBRE@EXEMPLE.FR")
    expect(form.get_by_text("VOTRE SITUATION", exact=True)).to_be_visible()
    expect(form.get_by_test_id("stFileUploader")).to_have_count(0)
    form.get_by_test_id("stCheckbox").filter(has_text=CONSENT_LABEL).locator("label").click()
    form.get_by_role("button", name="Envoyer ma demande d'inscription").click()

    # Refused at the fields, with what was typed still there.
    expect(form.get_by_text("Cochez au moins une case dans « Eligibilité FSE ».")).to_be_visible()
    expect(form.get_by_text("Répondez à la question « Disponibilité ».")).to_be_visible()
    expect(form.get_by_label("Nom *", exact=True)).to_have_value("Essai-Libre")
    wait_for_app(visitor)
    form.get_by_test_id("stCheckbox").filter(has_text="Demandeur d'emploi longue durée").locator(
        "label"
    ).click()
    form.get_by_test_id("stRadio").filter(has_text="Êtes-vous accompagné").get_by_text(
        "Non", exact=True
    ).click()
    choose(visitor, form, "Disponibilité", "Dans le mois")
    form.get_by_label("Projet professionnel en quelques mots").fill("Agent de propreté")
    form.get_by_role("button", name="Envoyer ma demande d'inscription").click()

    expect(visitor.get_by_text(RECEIVED)).to_be_visible()

    # The action's pilot reads the answers, and what is left to collect with the candidate.
    pilot = pages()
    sign_in(pilot, base_url, "copilote")
    open_when_signed_in(
        pilot, f"{base_url}/inscription?id={registration_of(database_url, 'Essai-Libre')}"
    )
    expect(pilot.get_by_text("À compléter avec le candidat : Justificatif FSE")).to_be_visible()
    # Read in the form where the pilot completes them with the candidate.
    expect(pilot.get_by_role("checkbox", name="Demandeur d'emploi longue durée")).to_be_checked()
    expect(pilot.get_by_role("combobox", name="Disponibilité *")).to_have_value("Dans le mois")


def open_when_signed_in(page, url: str) -> None:
    """Open a page by its address once the sign-in cookie is written."""
    for _ in range(100):
        if any(c["name"] == "plie_connect_session" for c in page.context.cookies()):
            break
        page.wait_for_timeout(100)
    page.goto(url)


def test_the_pilot_joins_the_fse_proof_a_self_registered_candidate_brought(server, pages):
    base_url, database_url = server
    pilot = pages()
    sign_in(pilot, base_url, "copilote")  # the training's pilot
    open_when_signed_in(
        pilot, f"{base_url}/inscription?id={registration_of(database_url, 'Rousseau', 'Léo')}"
    )
    expect(pilot.get_by_text("À compléter avec le candidat : Justificatif FSE")).to_be_visible()
    wait_for_app(pilot)

    attach(pilot, "Justificatif FSE", "attestation.pdf")
    pilot.get_by_role("button", name="Enregistrer les informations").click()

    expect(
        pilot.get_by_text("Les informations de l'inscription sont enregistrées.")
    ).to_be_visible()
    expect(pilot.get_by_text("À compléter avec le candidat")).to_have_count(0)
    expect(pilot.get_by_role("button", name="Télécharger attestation.pdf")).to_be_visible()
    expect(pilot.get_by_text("Fichier déjà joint : attestation.pdf")).to_be_visible()


def test_a_coordinator_imports_the_sample_after_a_dry_run_and_a_prescriber_finds_a_participant(
    server, pages
):
    base_url, database_url = server
    coordinator = pages()
    sign_in(coordinator, base_url, "coordinateur")
    open_from_sidebar(coordinator, "Importer les participants")
    expect(
        coordinator.get_by_role("heading", name="Importer les participants du PLIE")
    ).to_be_visible()

    coordinator.locator("input[type=file]").set_input_files(str(SAMPLE))
    expect(coordinator.get_by_text("14 lignes de participants")).to_be_visible()
    wait_for_app(coordinator)
    coordinator.get_by_role("button", name="Vérifier le fichier (essai à blanc)").click()
    expect(coordinator.get_by_text("Ligne 11 : Le champ « Nom » est obligatoire.")).to_be_visible()
    expect(
        coordinator.get_by_text(
            "Ligne 7 : La même personne figure déjà ligne 6 du fichier : "
            "cette ligne n'est pas importée."
        )
    ).to_be_visible()
    created = coordinator.get_by_test_id("stMetric").filter(has_text="À créer")
    expect(created).to_contain_text("8")
    wait_for_app(coordinator)
    coordinator.get_by_role("button", name="Importer les participants").click()
    expect(
        coordinator.get_by_text(re.compile(r"^Import terminé : 8 participants créés"))
    ).to_be_visible()

    prescriber = pages()
    sign_in(prescriber, base_url, "france-travail")
    open_from_sidebar(prescriber, "Agenda")
    expect(prescriber.get_by_text(BUILDING_SITE, exact=True)).to_be_visible()
    wait_for_app(prescriber)
    open_action_by_its_link(prescriber, demo_ids(database_url)[0])
    wait_for_app(prescriber)
    prescriber.get_by_test_id("stCheckbox").filter(has_text="Choisir cette session").first.locator(
        "label"
    ).click()
    prescriber.get_by_role(
        "button", name="Inscrire un nouveau candidat aux sessions cochées"
    ).click()
    expect(prescriber.get_by_text("NOUVEAU CANDIDAT", exact=True)).to_be_visible()
    search(prescriber, "dup", "jea", date(1985, 4, 3))
    expect(
        prescriber.get_by_role("button", name="Choisir DUPONT-MARTIN Jean-Pierre")
    ).to_be_visible()
