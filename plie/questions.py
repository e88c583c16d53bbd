"""An action's own questions ("Questions spécifiques"): defined by its organisers, answered
in each registration's form.

The pilot and copilots define them: yes/no, a short text, a choice from a list, or a file (the
CV...), each required or not, in the order they set. A question that registrations have already
answered cannot be deleted, so that no answer is lost.
"""

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.documents import FileStore, Upload, check_upload
from plie.enums import QuestionKind
from plie.errors import DomainError, InvalidInput, NotFound
from plie.models import ActionQuestion, Document, QuestionAnswer
from plie.permissions import Operation, require

log = logging.getLogger(__name__)

MAX_LABEL = 200
MAX_TEXT_ANSWER = 300
MAX_CHOICES = 20
# Labels and choices are shown in forms and messages: plain words only, no markup.
MARKUP = re.compile(r"[<>\[\]{}`*_#|~$\\]")
YES, NO = "oui", "non"


@dataclass
class QuestionInput:
    label: str
    kind: QuestionKind
    required: bool = False
    choices: list[str] | None = None


def list_questions(db: DbSession, *, action_id: int) -> list[ActionQuestion]:
    return list(
        db.exec(
            select(ActionQuestion)
            .where(ActionQuestion.action_id == action_id)
            .order_by(ActionQuestion.position, ActionQuestion.id)
        )
    )


def _clean_definition(data: QuestionInput) -> dict:
    errors = {}
    label = re.sub(r"\s+", " ", (data.label or "").strip())
    if not label:
        errors["label"] = "Le champ « Libellé de la question » est obligatoire."
    elif len(label) > MAX_LABEL:
        errors["label"] = f"Le libellé de la question ne peut dépasser {MAX_LABEL} caractères."
    elif MARKUP.search(label):
        errors["label"] = (
            "Le libellé de la question ne peut contenir que du texte simple, sans les "
            "caractères < > [ ] { } ` * _ # | ~ $ \\."
        )
    try:
        kind = QuestionKind(data.kind)
    except ValueError:
        errors["kind"] = "Choisissez le type de la question."
        kind = None
    choices = [re.sub(r"\s+", " ", c.strip()) for c in (data.choices or []) if c and c.strip()]
    choices = list(dict.fromkeys(choices))
    if kind is QuestionKind.CHOICE:
        if len(choices) < 2:
            errors["choices"] = "Une question à choix propose au moins deux réponses."
        elif len(choices) > MAX_CHOICES or any(len(c) > 100 or MARKUP.search(c) for c in choices):
            errors["choices"] = (
                f"Proposez au plus {MAX_CHOICES} réponses de 100 caractères au plus, en texte "
                "simple."
            )
    if errors:
        raise InvalidInput(errors)
    return {
        "label": label,
        "kind": kind,
        "required": bool(data.required),
        "choices": "\n".join(choices) if kind is QuestionKind.CHOICE else "",
    }


def add_question(db: DbSession, *, by: int, action_id: int, data: QuestionInput) -> ActionQuestion:
    """A new question of the action, asked after the ones it already has."""
    require(db, professional_id=by, action_id=action_id, operation=Operation.EDIT_ACTION)
    values = _clean_definition(data)
    last = db.exec(
        select(func.max(ActionQuestion.position)).where(ActionQuestion.action_id == action_id)
    ).one()
    question = ActionQuestion(action_id=action_id, position=(last or 0) + 1, **values)
    db.add(question)
    db.commit()
    log.info("question_added action=%s question=%s by=%s", action_id, question.id, by)
    return question


def _load(db: DbSession, by: int, question_id: int) -> ActionQuestion:
    question = db.get(ActionQuestion, question_id)
    if question is None:
        raise NotFound("Cette question n'existe pas ou a été supprimée.")
    require(db, professional_id=by, action_id=question.action_id, operation=Operation.EDIT_ACTION)
    return question


def _answer_count(db: DbSession, question_id: int) -> int:
    return db.exec(
        select(func.count(QuestionAnswer.id)).where(QuestionAnswer.question_id == question_id)
    ).one()


def update_question(
    db: DbSession, *, by: int, question_id: int, data: QuestionInput
) -> ActionQuestion:
    """Change a question; once answered, its type can no longer change."""
    question = _load(db, by, question_id)
    values = _clean_definition(data)
    if values["kind"] is not question.kind and _answer_count(db, question_id):
        raise DomainError(
            "Des candidats ont déjà répondu à cette question : son type ne peut plus changer. "
            "Ajoutez plutôt une nouvelle question."
        )
    for name, value in values.items():
        setattr(question, name, value)
    db.add(question)
    db.commit()
    return question


def delete_question(db: DbSession, *, by: int, question_id: int) -> None:
    """Delete a question that no registration has answered yet."""
    question = _load(db, by, question_id)
    if _answer_count(db, question_id):
        raise DomainError(
            "Des candidats ont déjà répondu à cette question : elle ne peut plus être supprimée."
        )
    db.delete(question)
    db.commit()
    log.info("question_deleted question=%s by=%s", question_id, by)


def move_question(db: DbSession, *, by: int, question_id: int, step: int) -> None:
    """Move a question one place up (step -1) or down (+1) in the action's order."""
    question = _load(db, by, question_id)
    questions = list_questions(db, action_id=question.action_id)
    index = next(i for i, q in enumerate(questions) if q.id == question_id)
    target = index + step
    if not 0 <= target < len(questions):
        return
    questions[index], questions[target] = questions[target], questions[index]
    for position, item in enumerate(questions, start=1):
        item.position = position
        db.add(item)
    db.commit()


def _purpose(question: ActionQuestion) -> str:
    return f"question:{question.id}"


def _cleaned(
    action_questions: list[ActionQuestion],
    answers: dict[int, object],
    files: dict[int, Upload | None],
) -> tuple[dict[int, str], dict, dict[str, str]]:
    """The answers as stored values, the files checked, and a French message per refusal."""
    errors: dict[str, str] = {}
    cleaned: dict[int, str] = {}
    checked = {}
    for question in action_questions:
        key = f"question_{question.id}"
        value = answers.get(question.id)
        if question.kind is QuestionKind.YES_NO:
            cleaned[question.id] = {True: YES, False: NO}.get(value, "")
        elif question.kind is QuestionKind.TEXT:
            text = (value or "").strip()
            if len(text) > MAX_TEXT_ANSWER:
                errors[key] = (
                    f"La réponse à « {question.label} » ne peut dépasser "
                    f"{MAX_TEXT_ANSWER} caractères."
                )
            cleaned[question.id] = text
        elif question.kind is QuestionKind.CHOICE:
            if value and value not in question.options:
                errors[key] = f"Choisissez une des réponses proposées à « {question.label} »."
            cleaned[question.id] = value or ""
        elif files.get(question.id) is not None:
            upload = files[question.id]
            try:
                file_type = check_upload(upload, field=key, label=question.label)
                checked[question.id] = (upload, file_type)
            except InvalidInput as error:
                errors.update(error.errors)
    return cleaned, checked, errors


def _unanswered_message(question: ActionQuestion) -> str:
    if question.kind is QuestionKind.FILE:
        return f"Joignez le fichier demandé : « {question.label} »."
    return f"Répondez à la question « {question.label} »."


def check_answers(
    action_questions: list[ActionQuestion], answers: dict[int, object]
) -> dict[str, str]:
    """A French message per question refused or required and left unanswered (nothing written)."""
    cleaned, _, errors = _cleaned(action_questions, answers, {})
    for question in action_questions:
        key = f"question_{question.id}"
        if question.required and not cleaned.get(question.id) and key not in errors:
            errors[key] = _unanswered_message(question)
    return errors


def write_answers(
    db: DbSession,
    *,
    registration_id: int,
    action_id: int,
    answers: dict[int, object],
    files: dict[int, Upload | None],
    store: FileStore,
    by: int | None,
) -> None:
    """Record the answers to the action's questions; a new file replaces the former one.

    `by` is None when the candidate answered, through the public form.
    """
    questions = list_questions(db, action_id=action_id)
    cleaned, checked, errors = _cleaned(questions, answers, files)
    if errors:
        raise InvalidInput(errors)
    if not questions:
        return

    existing = {
        answer.question_id: answer
        for answer in db.exec(
            select(QuestionAnswer).where(QuestionAnswer.registration_id == registration_id)
        )
    }
    for question in questions:
        answer = existing.get(question.id) or QuestionAnswer(
            registration_id=registration_id, question_id=question.id
        )
        if question.kind is QuestionKind.FILE:
            if question.id not in checked:
                continue
            if answer.document_id is not None:
                former = db.get(Document, answer.document_id)
                answer.document_id = None
                db.add(answer)
                db.flush()
                if former is not None:
                    store.forget(db, former)
            upload, file_type = checked[question.id]
            document = store.store(
                db,
                upload,
                file_type,
                registration_id=registration_id,
                purpose=_purpose(question),
                by=by,
            )
            answer.document_id = document.id
        else:
            answer.value = cleaned[question.id]
        db.add(answer)
    db.flush()


def missing_answers(db: DbSession, *, registration_id: int, action_id: int) -> dict[str, str]:
    """The required questions still unanswered, each with its French message."""
    required = [q for q in list_questions(db, action_id=action_id) if q.required]
    if not required:
        return {}
    answers = {
        answer.question_id: answer
        for answer in db.exec(
            select(QuestionAnswer).where(QuestionAnswer.registration_id == registration_id)
        )
    }
    missing = {}
    for question in required:
        answer = answers.get(question.id)
        answered = answer is not None and (
            answer.document_id is not None
            if question.kind is QuestionKind.FILE
            else bool(answer.value)
        )
        if not answered:
            missing[f"question_{question.id}"] = _unanswered_message(question)
    return missing


@dataclass
class AnswerView:
    question_id: int
    label: str
    kind: QuestionKind
    value: str
    document_id: int | None
    document_name: str


def answers_of(db: DbSession, *, registration_id: int, action_id: int) -> list[AnswerView]:
    """Each question of the action with the registration's answer (empty if none)."""
    answers = {
        answer.question_id: answer
        for answer in db.exec(
            select(QuestionAnswer).where(QuestionAnswer.registration_id == registration_id)
        )
    }
    shown = []
    for question in list_questions(db, action_id=action_id):
        answer = answers.get(question.id)
        document = db.get(Document, answer.document_id) if answer and answer.document_id else None
        shown.append(
            AnswerView(
                question.id,
                question.label,
                question.kind,
                {YES: "Oui", NO: "Non"}.get(answer.value, answer.value) if answer else "",
                document.id if document else None,
                document.original_name if document else "",
            )
        )
    return shown
