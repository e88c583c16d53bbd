"""The action's own questions: the organisers' editor, and the answers in the form.

`question_editor(action_id=..., user_id=...)` is the section an action's create/edit page calls
to let the pilot and copilots define the questions; plie checks who may.
"""

import streamlit as st

from plie import questions
from plie.db import reading, writing
from plie.documents import Upload
from plie.enums import QuestionKind
from plie.models import ActionQuestion
from plie.questions import AnswerView, QuestionInput
from ui import app


def question_editor(*, action_id: int, user_id: int) -> None:
    """List, add, reorder and delete the action's "Questions spécifiques"."""
    st.markdown("**QUESTIONS SPÉCIFIQUES**")
    st.caption(
        "Les questions posées au prescripteur dans le formulaire d'inscription, dans cet ordre."
    )
    with reading() as db:
        existing = questions.list_questions(db, action_id=action_id)
    if not existing:
        st.caption("Aucune question pour le moment.")
    for index, question in enumerate(existing):
        row = st.columns([6, 1, 1, 1])
        required = " *" if question.required else ""
        options = f" ({', '.join(question.options)})" if question.options else ""
        row[0].markdown(
            f"{index + 1}. {app.plain(question.label)}{required} — "
            f"{question.kind.label}{app.plain(options)}"
        )
        moves = {1: ("↑", -1), 2: ("↓", 1)}
        for column, (arrow, step) in moves.items():
            if row[column].button(arrow, key=f"question_move_{question.id}_{step}"):
                with app.attempt(), writing() as db:
                    questions.move_question(db, by=user_id, question_id=question.id, step=step)
                    st.rerun()
        if row[3].button("Supprimer", key=f"question_delete_{question.id}"):
            with app.attempt(), writing() as db:
                questions.delete_question(db, by=user_id, question_id=question.id)
                st.rerun()

    errors: dict = {}
    with st.form("new_question", clear_on_submit=False):
        label = st.text_input("Libellé de la question *", key="new_question_label")
        kind = st.selectbox(
            "Type de réponse *",
            list(QuestionKind),
            format_func=lambda k: k.label,
            key="new_question_kind",
        )
        choices = st.text_area(
            "Réponses proposées (une par ligne, pour une question à choix)",
            key="new_question_choices",
        )
        required = st.checkbox("Réponse obligatoire", key="new_question_required")
        added = st.form_submit_button("Ajouter la question")
    if added:
        with app.attempt(errors), writing() as db:
            questions.add_question(
                db,
                by=user_id,
                action_id=action_id,
                data=QuestionInput(label, kind, required, choices.splitlines()),
            )
            app.flash("La question est ajoutée.")
            st.rerun()
        for message in errors.values():
            st.caption(f"⚠️ {message}")


def answers_section(
    action_questions: list[ActionQuestion],
    *,
    stored: list[AnswerView],
    errors: dict[str, str],
    prefix: str,
    slots: dict | None = None,
    title: str = "QUESTIONS SPÉCIFIQUES",
) -> tuple[dict[int, object], dict[int, Upload | None]]:
    """Draw one widget per question, in the organiser's order; return answers and files.

    With `slots`, each question leaves there an empty slot for its message, for a page that
    checks the answers only after drawing the form.
    """
    if not action_questions:
        return {}, {}
    st.markdown(f"**{title}**")
    before = {answer.question_id: answer for answer in stored}
    answers: dict[int, object] = {}
    files: dict[int, Upload | None] = {}
    for question in action_questions:
        key = f"{prefix}_question_{question.id}"
        label = app.plain(question.label) + (" *" if question.required else "")
        former = before.get(question.id)
        value = former.value if former else ""
        if question.kind is QuestionKind.YES_NO:
            index = {"Oui": 0, "Non": 1}.get(value)
            picked = st.radio(label, ["Oui", "Non"], index=index, horizontal=True, key=key)
            answers[question.id] = None if picked is None else picked == "Oui"
        elif question.kind is QuestionKind.TEXT:
            answers[question.id] = st.text_input(
                label, value=value, max_chars=questions.MAX_TEXT_ANSWER, key=key
            )
        elif question.kind is QuestionKind.CHOICE:
            options = question.options
            answers[question.id] = st.selectbox(
                label,
                options,
                index=options.index(value) if value in options else None,
                placeholder="Choisir une réponse",
                key=key,
            )
        else:
            if former and former.document_name:
                st.caption(f"Fichier déjà joint : {app.plain(former.document_name)}")
            widget = app.document_uploader(label, key=key)
            files[question.id] = Upload(widget.name, widget.getvalue()) if widget else None
        message = errors.get(f"question_{question.id}")
        if slots is not None:
            slots[f"question_{question.id}"] = st.empty()
        elif message:
            st.error(message)
    return answers, files
