"""The registration form: eligibility of each scheme, the action's questions, uploaded files."""

import logging
import tomllib
from pathlib import Path

import pytest
from sqlmodel import select

from plie import documents, eligibility, imports, questions
from plie.documents import Upload, detect_type
from plie.enums import EligibilityScheme, MemberRole, QuestionKind, RegistrationStatus
from plie.errors import DomainError, InvalidInput, NoPlaceLeft, NotAllowed
from plie.models import Document, QuestionAnswer, Session
from plie.questions import QuestionInput
from plie.registration_edits import FormAnswers, save_answers
from plie.registrations import delete_registration, save_registration, submit_registration
from tests import files
from tests.builders import a_candidate, a_co_prescriber, a_member, a_professional, an_action

S = RegistrationStatus
ROOT = Path(__file__).resolve().parent.parent
FSE = EligibilityScheme.FSE
FSE_CRITERIA = {"fse_criteria": ["deld"]}


@pytest.fixture
def people(db):
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db)
    return pilot, prescriber


def register(db, action, prescriber, answers: FormAnswers, *, submit=True, **names):
    candidate = a_candidate(db, **names)
    return save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=candidate.id,
        session_ids=[s.id for s in action.sessions],
        submit=submit,
        answers=answers,
    )


def refusal(excinfo) -> dict[str, str]:
    return excinfo.value.errors


# Eligibility lists, as the guide shows them.


def test_each_scheme_asks_the_guides_criteria():
    clause = eligibility.form_for(EligibilityScheme.CLAUSE).field("clause_criteria")
    fse = eligibility.form_for(FSE).field("fse_criteria")
    none = eligibility.form_for(EligibilityScheme.NONE).field("statistics")

    assert len(clause.choices) == 13
    assert clause.choices[0].label == "Participant PLIE"
    assert clause.choices[-1].label == "Non concerné" and clause.choices[-1].exclusive
    assert len(fse.choices) == 9 and fse.required
    assert [c.label for c in none.choices] == ["-26 ans", "DELD", "PLIE", "QPV", "RSA", "Aucun"]
    assert not clause.required


def test_non_concerne_cannot_be_ticked_with_another_criterion(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=EligibilityScheme.CLAUSE)

    with pytest.raises(InvalidInput) as refused:
        register(
            db, action, prescriber, FormAnswers(eligibility={"clause_criteria": ["rsa", "none"]})
        )

    assert refusal(refused) == {
        "clause_criteria": "« Non concerné » ne peut pas être coché avec un autre critère dans "
        "« Éligibilité Clause Emploi »."
    }


def test_aucun_cannot_be_ticked_with_another_statistic(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers(eligibility={"statistics": ["plie", "none"]}))

    assert refusal(refused)["statistics"].startswith("« Aucun » ne peut pas être coché")


def test_the_statistics_are_required_to_send_but_not_for_a_draft(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)

    draft = register(db, action, prescriber, FormAnswers(), submit=False)
    assert draft.status is S.DRAFT

    with pytest.raises(InvalidInput) as refused:
        submit_registration(db, by=prescriber.id, registration_id=draft.id)
    assert refusal(refused) == {
        "statistics": "Le champ « Informations à des fins statistiques pour le FSE » est "
        "obligatoire."
    }
    db.rollback()
    assert db.get(Session, action.sessions[0].id).places_taken == 0


def test_fse_participant_needs_the_viesion_link_and_nothing_else(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers({**FSE_CRITERIA, "plie_participant": True}))
    assert refusal(refused) == {
        "viesion_link": "Le champ « Lien vers le dossier Viesion » est obligatoire."
    }

    registration = register(
        db,
        action,
        prescriber,
        FormAnswers(
            {
                **FSE_CRITERIA,
                "plie_participant": True,
                "viesion_link": "https://viesion.example/dossier/42",
            }
        ),
    )
    assert registration.status is S.PENDING
    assert eligibility.stored_answers(db, registration.id) == {
        "fse_criteria": ["deld"],
        "plie_participant": ["oui"],
        "viesion_link": ["https://viesion.example/dossier/42"],
    }


def test_fse_non_participant_needs_the_fse_proof_and_not_the_job_search_proof(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)
    answers = {**FSE_CRITERIA, "plie_participant": False}

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers(answers))
    assert refusal(refused) == {"fse_proof": "Joignez le fichier « Justificatif FSE »."}

    registration = register(
        db, action, prescriber, FormAnswers(answers, {"fse_proof": files.a_pdf("rsa.pdf")})
    )
    assert registration.status is S.PENDING
    assert set(eligibility.stored_documents(db, registration.id)) == {"fse_proof"}


def test_fse_criteria_and_participation_are_required(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers())

    assert refusal(refused) == {
        "fse_criteria": "Le champ « Eligibilité FSE » est obligatoire.",
        "plie_participant": "Le champ « Participant du PLIE » est obligatoire.",
    }


def test_a_viesion_link_must_be_a_web_address(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)
    answers = {**FSE_CRITERIA, "plie_participant": True, "viesion_link": "javascript:alert(1)"}

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers(answers))

    assert refusal(refused) == {
        "viesion_link": "Le champ « Lien vers le dossier Viesion » doit être une adresse web "
        "commençant par https:// (500 caractères au plus)."
    }


def test_qpv_asks_the_qpv_answer_and_the_statistics(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=EligibilityScheme.QPV)

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers({"qpv_statistics": ["none"]}))
    assert refusal(refused) == {"qpv": "Le champ « QPV » est obligatoire."}

    registration = register(
        db, action, prescriber, FormAnswers({"qpv": True, "qpv_statistics": ["rsa", "deld"]})
    )
    assert registration.status is S.PENDING


def test_sensitive_answers_are_shown_to_prescribers_and_organisers_only(db, people):
    pilot, prescriber = people
    partner, stranger = a_professional(db), a_professional(db)
    coordinator = a_professional(db, is_coordinator=True)
    action = an_action(db, pilot=pilot, scheme=EligibilityScheme.CLAUSE)
    a_member(db, action, partner, MemberRole.PARTNER)
    registration = register(
        db, action, prescriber, FormAnswers({"clause_criteria": ["rqth", "senior"]})
    )

    for reader in (prescriber, pilot, partner):
        shown = eligibility.answers_for(db, by=reader.id, registration_id=registration.id)
        assert shown[0].values == [
            "Demandeur d'emploi disposant d'une RQTH",
            "Demandeur d'emploi Senior (+50 ans)",
        ]
        assert shown[0].sensitive
    counted = eligibility.answers_for(db, by=coordinator.id, registration_id=registration.id)
    assert counted[0].values == ["Demandeur d'emploi Senior (+50 ans)"]
    with pytest.raises(NotAllowed):
        eligibility.answers_for(db, by=stranger.id, registration_id=registration.id)


def test_answers_and_names_never_reach_the_logs(db, people, caplog):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=EligibilityScheme.CLAUSE)
    caplog.set_level(logging.DEBUG)

    registration = register(
        db,
        action,
        prescriber,
        FormAnswers({"clause_criteria": ["custody", "rqth"]}),
        last_name="Confidentiel",
    )
    save_answers(
        db,
        by=prescriber.id,
        registration_id=registration.id,
        answers=FormAnswers({"clause_criteria": ["other_minima"]}),
    )

    logged = caplog.text.lower()
    assert f"registration={registration.id}" in logged
    for secret in ("custody", "rqth", "other_minima", "privative", "confidentiel"):
        assert secret not in logged


# The action's own questions.


def test_organisers_define_questions_in_their_order(db, people):
    pilot, _ = people
    action = an_action(db, pilot=pilot)

    licence = questions.add_question(
        db, by=pilot.id, action_id=action.id, data=QuestionInput("Permis B", QuestionKind.YES_NO)
    )
    cv = questions.add_question(
        db,
        by=pilot.id,
        action_id=action.id,
        data=QuestionInput("Dépôt du CV", QuestionKind.FILE, required=True),
    )
    questions.move_question(db, by=pilot.id, question_id=cv.id, step=-1)

    assert [q.label for q in questions.list_questions(db, action_id=action.id)] == [
        "Dépôt du CV",
        "Permis B",
    ]
    assert licence.kind is QuestionKind.YES_NO


def test_a_partner_cannot_define_questions(db, people):
    pilot, _ = people
    partner = a_professional(db)
    action = an_action(db, pilot=pilot)
    a_member(db, action, partner, MemberRole.PARTNER)

    with pytest.raises(NotAllowed) as refused:
        questions.add_question(
            db, by=partner.id, action_id=action.id, data=QuestionInput("Permis B", "yes_no")
        )

    assert refused.value.message == (
        "Seuls le pilote et les copilotes de l'action peuvent la modifier."
    )


def test_question_labels_are_plain_text_and_choices_offer_two_answers(db, people):
    pilot, _ = people
    action = an_action(db, pilot=pilot)

    with pytest.raises(InvalidInput) as refused:
        questions.add_question(
            db,
            by=pilot.id,
            action_id=action.id,
            data=QuestionInput("[clic](https://x.example)", QuestionKind.CHOICE, choices=["A"]),
        )

    assert refusal(refused) == {
        "label": "Le libellé de la question ne peut contenir que du texte simple, sans les "
        "caractères < > [ ] { } ` * _ # | ~ $ \\.",
        "choices": "Une question à choix propose au moins deux réponses.",
    }


def test_required_questions_must_be_answered_to_send(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    licence = questions.add_question(
        db,
        by=pilot.id,
        action_id=action.id,
        data=QuestionInput("Permis B", QuestionKind.YES_NO, required=True),
    )
    cv = questions.add_question(
        db,
        by=pilot.id,
        action_id=action.id,
        data=QuestionInput("Dépôt du CV", QuestionKind.FILE, required=True),
    )
    statistics = {"statistics": ["none"]}

    with pytest.raises(InvalidInput) as refused:
        register(db, action, prescriber, FormAnswers(statistics))
    assert refusal(refused) == {
        f"question_{licence.id}": "Répondez à la question « Permis B ».",
        f"question_{cv.id}": "Joignez le fichier demandé : « Dépôt du CV ».",
    }

    registration = register(
        db,
        action,
        prescriber,
        FormAnswers(
            statistics, questions={licence.id: False}, question_files={cv.id: files.a_pdf()}
        ),
    )
    shown = questions.answers_of(db, registration_id=registration.id, action_id=action.id)
    assert [(a.label, a.value, a.document_name) for a in shown] == [
        ("Permis B", "Non", ""),
        ("Dépôt du CV", "", "cv.pdf"),
    ]


def test_a_choice_outside_the_list_is_refused(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    shift = questions.add_question(
        db,
        by=pilot.id,
        action_id=action.id,
        data=QuestionInput("Horaires", QuestionKind.CHOICE, choices=["Matin", "Soir"]),
    )

    with pytest.raises(InvalidInput) as refused:
        register(
            db, action, prescriber, FormAnswers({"statistics": ["none"]}, {}, {shift.id: "Nuit"})
        )

    assert refusal(refused) == {
        f"question_{shift.id}": "Choisissez une des réponses proposées à « Horaires »."
    }


def test_an_answered_question_cannot_be_deleted(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot)
    licence = questions.add_question(
        db, by=pilot.id, action_id=action.id, data=QuestionInput("Permis B", QuestionKind.YES_NO)
    )
    register(db, action, prescriber, FormAnswers({"statistics": ["none"]}, {}, {licence.id: True}))

    with pytest.raises(DomainError) as refused:
        questions.delete_question(db, by=pilot.id, question_id=licence.id)

    assert refused.value.message == (
        "Des candidats ont déjà répondu à cette question : elle ne peut plus être supprimée."
    )
    assert db.exec(select(QuestionAnswer)).one().value == "oui"


# Uploaded files.


@pytest.mark.parametrize(
    ("content", "extension"),
    [
        (files.PDF, "pdf"),
        (files.PNG, "png"),
        (files.JPEG, "jpg"),
        (files.DOCX, "docx"),
        (files.XLSX, "xlsx"),
        (files.ODT, "odt"),
    ],
)
def test_the_type_is_read_from_the_content(content, extension):
    assert detect_type(content).extension == extension


@pytest.mark.parametrize("content", [files.HTML, files.PLAIN_ZIP, b"MZ\x90\x00executable"])
def test_content_of_another_type_is_not_recognised(content):
    assert detect_type(content) is None


def test_a_file_named_pdf_that_is_not_one_is_refused(db, people):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)
    answers = {**FSE_CRITERIA, "plie_participant": False}

    with pytest.raises(InvalidInput) as refused:
        register(
            db,
            action,
            prescriber,
            FormAnswers(answers, {"fse_proof": Upload("cv.pdf", files.HTML)}),
        )

    assert refusal(refused) == {
        "fse_proof": "Le fichier joint à « Justificatif FSE » n'est pas d'un type accepté : "
        "joignez un fichier PDF, image PNG ou JPEG, document Word (.docx), Excel (.xlsx) ou "
        "OpenDocument."
    }


def test_the_file_fields_state_the_apps_own_limit_which_the_server_allows():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server_limit_mb = config["server"]["maxUploadSize"]

    assert documents.upload_limit_mb() == 5
    assert documents.upload_rules() == (
        "Fichiers acceptés : PDF, image PNG ou JPEG, document Word (.docx), Excel (.xlsx) ou "
        "OpenDocument, de 5 Mo au plus."
    )
    # A widget may not promise more than the server accepts.
    assert server_limit_mb >= max(documents.upload_limit_mb(), imports.MAX_FILE_MB)


def test_a_limit_that_is_not_whole_megabytes_is_rounded_up_for_the_widget(monkeypatch):
    monkeypatch.setenv("PLIE_MAX_UPLOAD_BYTES", str(1536 * 1024))
    documents.get_settings.cache_clear()

    assert documents.upload_limit_mb() == 2


def test_a_file_over_the_size_limit_is_refused(db, people, monkeypatch):
    monkeypatch.setenv("PLIE_MAX_UPLOAD_BYTES", str(2 * 1024 * 1024))
    documents.get_settings.cache_clear()
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)
    big = Upload("scan.pdf", files.PDF + b"0" * (2 * 1024 * 1024))

    with pytest.raises(InvalidInput) as refused:
        register(
            db,
            action,
            prescriber,
            FormAnswers({**FSE_CRITERIA, "plie_participant": False}, {"fse_proof": big}),
        )

    assert refusal(refused) == {
        "fse_proof": "Le fichier joint à « Justificatif FSE » dépasse la taille maximale "
        "autorisée (2 Mo) : réduisez-le ou joignez-en un autre."
    }


def test_no_name_given_by_the_user_reaches_the_disk(db, people, _uploads_in_tmp):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)
    upload = Upload("../../etc/cron.d/evil.pdf", files.PDF)

    registration = register(
        db,
        action,
        prescriber,
        FormAnswers({**FSE_CRITERIA, "plie_participant": False}, {"fse_proof": upload}),
    )

    document = eligibility.stored_documents(db, registration.id)["fse_proof"]
    stored = list(_uploads_in_tmp.iterdir())
    assert [path.name for path in stored] == [document.stored_name]
    assert document.stored_name.endswith(".pdf") and "evil" not in document.stored_name
    assert document.original_name == "evil.pdf"
    assert stored[0].read_bytes() == files.PDF


def test_files_are_removed_when_the_registration_cannot_be_saved(db, people, _uploads_in_tmp):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE, capacity=0)

    with pytest.raises(NoPlaceLeft):
        register(
            db,
            action,
            prescriber,
            FormAnswers({**FSE_CRITERIA, "plie_participant": False}, {"fse_proof": files.a_pdf()}),
        )

    assert list(_uploads_in_tmp.iterdir()) == []
    assert db.exec(select(Document)).all() == []


def test_downloads_are_for_prescribers_and_organisers_only(db, people):
    pilot, prescriber = people
    colleague, stranger = a_professional(db), a_professional(db)
    action = an_action(db, pilot=pilot, scheme=FSE)
    registration = register(
        db,
        action,
        prescriber,
        FormAnswers({**FSE_CRITERIA, "plie_participant": False}, {"fse_proof": files.a_pdf()}),
        submit=False,
    )
    a_co_prescriber(db, registration.id, colleague)
    document_id = eligibility.stored_documents(db, registration.id)["fse_proof"].id

    for reader in (prescriber, colleague):
        got = documents.download(db, by=reader.id, document_id=document_id)
        assert (got.content, got.file_name) == (files.PDF, "cv.pdf")
    for outsider in (stranger, pilot):  # the pilot does not see a draft
        with pytest.raises(NotAllowed) as refused:
            documents.download(db, by=outsider.id, document_id=document_id)
        assert refused.value.message == "Ce fichier ne vous est pas accessible."

    submit_registration(db, by=prescriber.id, registration_id=registration.id)
    assert documents.download(db, by=pilot.id, document_id=document_id).content == files.PDF


def test_a_new_file_replaces_the_former_one_and_deleting_removes_them(db, people, _uploads_in_tmp):
    pilot, prescriber = people
    action = an_action(db, pilot=pilot, scheme=FSE)
    answers = {**FSE_CRITERIA, "plie_participant": False}
    registration = register(
        db, action, prescriber, FormAnswers(answers, {"fse_proof": files.a_pdf()})
    )

    save_answers(
        db,
        by=prescriber.id,
        registration_id=registration.id,
        answers=FormAnswers(answers, {"fse_proof": Upload("scan.png", files.PNG)}),
    )
    assert [p.suffix for p in _uploads_in_tmp.iterdir()] == [".png"]

    delete_registration(db, by=prescriber.id, registration_id=registration.id)
    assert list(_uploads_in_tmp.iterdir()) == []
