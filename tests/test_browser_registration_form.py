"""The whole registration form in headless Chromium: each scheme's eligibility, a question with a
file, a co-prescriber and the recruitment slot grid, on the demo data."""

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from plie.db import make_engine, reading
from plie.models import Candidate, Employer, OutboxEmail, Slot
from tests import test_browser_journey as journey
from tests.files import PDF
from tests.test_browser_journey import (
    open_action_from_agenda,
    open_from_sidebar,
    search,
    sign_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

# The journey's fixtures: a `streamlit run` on a fresh demo database, Chromium, pages.
server, browser, pages = journey.server, journey.browser, journey.pages

FSE_ACTION = "Formation agent·e de propreté et d'hygiène"
RECRUITMENT = "Job dating logistique et propreté"
CLAUSE = "Dispositif Clause emploi – Orientation Work 2000"
QPV = "Cité de l'emploi – Rencontres emploi dans les quartiers"
SEND = "Enregistrer définitivement les sessions cochées"


def read(database_url: str, query):
    engine = make_engine(database_url)
    with reading(engine) as db:
        result = query(db)
    engine.dispose()
    return result


def demo_candidate(database_url: str, index: int) -> Candidate:
    return read(
        database_url, lambda db: db.exec(select(Candidate).order_by(Candidate.id)).all()[index]
    )


def start_registration(page, title: str) -> None:
    open_from_sidebar(page, "Agenda")
    open_action_from_agenda(page, title)
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    wait_for_app(page)
    page.get_by_test_id("stCheckbox").filter(has_text="Choisir cette session").first.locator(
        "label"
    ).click()
    expect(page.get_by_role("checkbox", name="Choisir cette session").first).to_be_checked()
    page.get_by_role("button", name="Inscrire un nouveau candidat aux sessions cochées").click()
    expect(page.get_by_text("NOUVEAU CANDIDAT", exact=True)).to_be_visible()


def pick_candidate(page, candidate: Candidate) -> None:
    search(page, candidate.last_name[:3], candidate.first_name[:3], candidate.birth_date)
    page.get_by_role("button", name=f"Choisir {candidate.display_name}").click()
    expect(page.get_by_text("ELIGIBILITÉ", exact=True)).to_be_visible()
    wait_for_app(page)


def tick(page, label: str) -> None:
    page.get_by_test_id("stCheckbox").filter(has_text=label).locator("label").click()
    wait_for_app(page)


def answer_radio(page, question: str, answer: str) -> None:
    page.get_by_test_id("stRadio").filter(has_text=question).get_by_text(answer, exact=True).click()
    wait_for_app(page)


def attach(page, label: str, name: str) -> None:
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=label)
    uploader.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": PDF}]
    )
    expect(uploader.get_by_text(name)).to_be_visible()
    wait_for_app(page)


def test_fse_form_with_a_proof_a_question_and_a_co_prescriber(server, pages):
    base_url, database_url = server
    page = pages()
    sign_in(page, base_url, "france-travail")
    start_registration(page, FSE_ACTION)
    pick_candidate(page, demo_candidate(database_url, 40))

    # The FSE form: criteria, "Participant du PLIE" no, so the FSE proof is asked.
    expect(page.get_by_text("Eligibilité FSE *", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Pièces à fournir"))).to_be_visible()
    page.get_by_role("button", name=SEND).click()
    expect(page.get_by_text("Le champ « Eligibilité FSE » est obligatoire.").first).to_be_visible()
    tick(page, "Demandeur d'emploi longue durée")
    answer_radio(page, "Participant du PLIE", "Non")
    attach(page, "Justificatif FSE", "justificatif.pdf")
    page.get_by_test_id("stSelectbox").filter(has_text="Disponibilité").click()
    page.get_by_role("option", name="Dès maintenant").click()
    wait_for_app(page)
    page.get_by_role("button", name=SEND).click()

    expect(page.get_by_text("Etat de l'inscription : En attente - à traiter")).to_be_visible()
    expect(page.get_by_role("button", name="Télécharger justificatif.pdf")).to_be_visible()
    expect(page.get_by_label("Non", exact=True)).to_be_checked()

    # "Ajouter un prescripteur": the Mission Locale's counsellor follows it too.
    page.get_by_label("Nom ou email du prescripteur").fill("jeunes")
    page.get_by_label("Nom ou email du prescripteur").press("Enter")
    page.get_by_role("button", name=re.compile("^Ajouter JEUNES-DEMO Noé")).click()
    expect(page.get_by_text("JEUNES-DEMO Noé suit désormais l'inscription.")).to_be_visible()
    expect(page.get_by_role("button", name="Retirer")).to_be_visible()
    subjects = read(
        database_url,
        lambda db: db.exec(
            select(OutboxEmail.to_address).where(
                OutboxEmail.subject == f"Inscription enregistrée : {FSE_ACTION}"
            )
        ).all(),
    )
    assert subjects == ["france-travail@plie-demo.example"]


def test_recruitment_grid_question_with_a_cv_then_sent(server, pages):
    base_url, database_url = server
    page = pages()
    sign_in(page, base_url, "referent-plie")
    start_registration(page, RECRUITMENT)
    pick_candidate(page, demo_candidate(database_url, 41))

    # No eligibility: the statistics, then the action's questions (a CV file, the licence).
    tick(page, "Aucun")
    attach(page, "Dépôt du CV", "cv-candidat.pdf")
    answer_radio(page, "Permis B", "Oui")
    page.get_by_role("button", name="Enregistrer en mode 'brouillon'").click()
    expect(page).to_have_url(re.compile(r"/inscription\?id=\d+$"))
    expect(page.get_by_text("Inscription enregistrée : Brouillon.")).to_be_visible()
    wait_for_app(page)

    # The grid: employers by time, places left; the first employer's 9 h slot is picked.
    slots = read(
        database_url,
        lambda db: {
            (employer.name, slot.starts_at.hour): slot.id
            # The session to come: the demo's past session has employers of the same names.
            for slot, employer in db.exec(
                select(Slot, Employer)
                .join(Employer, Employer.id == Slot.employer_id)
                .where(Slot.starts_at > datetime.now(UTC))
            ).all()
        },
    )
    first = min(slots[key] for key in slots if key[0] == "Logistique Alpes Express")
    second = max(slots[key] for key in slots if key[0] == "Propreté Dauphiné Services")
    expect(
        page.get_by_text("Nb d'employeurs maximum que peut rencontrer un candidat")
    ).to_be_visible()
    cell = page.locator(f".st-key-registration_slot_{first}")
    expect(cell).to_contain_text("4 places restantes")
    cell.locator("label").click()
    wait_for_app(page)
    page.locator(f".st-key-registration_slot_{second} label").click()
    wait_for_app(page)
    page.get_by_role("button", name="Enregistrer les créneaux").click()
    expect(
        page.get_by_text("Les employeurs et les créneaux choisis sont enregistrés.")
    ).to_be_visible()
    page.get_by_role("button", name=SEND).click()

    expect(page.get_by_text("Etat de l'inscription : En attente - à traiter")).to_be_visible()
    assert read(database_url, lambda db: db.get(Slot, first).places_taken) == 2
    expect(page.get_by_role("button", name="Télécharger cv-candidat.pdf")).to_be_visible()
    body = read(
        database_url,
        lambda db: db.exec(
            select(OutboxEmail.body).where(
                OutboxEmail.subject == f"Inscription enregistrée : {RECRUITMENT}"
            )
        ).one(),
    )
    assert "- Logistique Alpes Express : " in body


def test_clause_form_refuses_non_concerne_with_a_criterion_and_qpv_validates(server, pages):
    base_url, database_url = server
    page = pages()
    sign_in(page, base_url, "ccas")
    start_registration(page, CLAUSE)
    pick_candidate(page, demo_candidate(database_url, 42))

    tick(page, "Allocataire du RSA")
    tick(page, "Non concerné")
    page.get_by_role("button", name=SEND).click()
    expect(
        page.get_by_text(
            "« Non concerné » ne peut pas être coché avec un autre critère dans "
            "« Éligibilité Clause Emploi »."
        )
    ).to_be_visible()
    tick(page, "Non concerné")
    page.get_by_role("button", name=SEND).click()
    expect(page.get_by_text("Etat de l'inscription : En attente - à traiter")).to_be_visible()

    start_registration(page, QPV)
    pick_candidate(page, demo_candidate(database_url, 42))
    answer_radio(page, "QPV *", "Oui")
    tick(page, "Demandeur d'emploi de longue durée (> 12 mois)")
    page.get_by_role("button", name=SEND).click()
    expect(page.get_by_text("Etat de l'inscription : Validé")).to_be_visible()
    expect(page.get_by_role("button", name="Se désinscrire")).to_be_visible()
