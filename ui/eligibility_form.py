"""The eligibility part of the registration form, drawn from the scheme's data in plie."""

import re

import streamlit as st

from plie import eligibility
from plie.documents import Upload
from plie.eligibility import FieldKind
from plie.models import Action, Document
from ui import app

YES_NO = ["Oui", "Non"]


def _upload(widget) -> Upload | None:
    return Upload(widget.name, widget.getvalue()) if widget is not None else None


def eligibility_section(
    action: Action,
    *,
    stored: dict[str, list[str]],
    documents: dict[str, Document],
    errors: dict[str, str],
    prefix: str,
) -> tuple[dict, dict[str, Upload | None]]:
    """Draw the scheme's fields; return the answers and the files chosen, for plie."""
    form = eligibility.form_for(action.eligibility_scheme)
    st.markdown("**ELIGIBILITÉ**")
    st.markdown(f"**{form.title}**")
    if form.intro:
        st.caption(form.intro)
    url = action.proofs_guide_url or ""
    if re.fullmatch(r"https?://[^\s<>\"'()]+", url):
        st.link_button("Pièces à fournir pour chaque critère (document PDF)", url)

    answers: dict = {}
    files: dict[str, Upload | None] = {}
    for form_field in form.fields:
        if not eligibility.is_asked(form_field, answers):
            continue
        key = f"{prefix}_{form_field.code}"
        label = form_field.label + (" *" if form_field.required else "")
        values = stored.get(form_field.code, [])
        if form_field.kind is FieldKind.CRITERIA:
            st.markdown(f"{label}")
            answers[form_field.code] = [
                choice.code
                for choice in form_field.choices
                if st.checkbox(
                    app.plain(choice.label),
                    value=choice.code in values,
                    key=f"{key}_{choice.code}",
                )
            ]
        elif form_field.kind is FieldKind.YES_NO:
            current = {"oui": 0, "non": 1}.get(values[0] if values else "", None)
            picked = st.radio(label, YES_NO, index=current, horizontal=True, key=key)
            answers[form_field.code] = None if picked is None else picked == "Oui"
        elif form_field.kind is FieldKind.LINK:
            answers[form_field.code] = st.text_input(
                label, value=values[0] if values else "", key=key, help=form_field.help or None
            )
        else:
            former = documents.get(form_field.code)
            if former is not None:
                st.caption(f"Fichier déjà joint : {app.plain(former.original_name)}")
            files[form_field.code] = _upload(app.document_uploader(label, key=key))
        if form_field.help and form_field.kind is not FieldKind.LINK:
            st.caption(form_field.help)
        if form_field.code in errors:
            st.error(errors[form_field.code])
    return answers, files


def eligibility_readonly(shown: list[eligibility.ShownAnswer]) -> None:
    """The answers as the reader may see them (plie already left out what they may not)."""
    for answer in shown:
        text = ", ".join(answer.values) or "Non renseigné"
        st.markdown(f"**{app.plain(answer.label)}** : {app.plain(text)}")


def situation_section(
    fields: tuple[eligibility.EligibilityField, ...], *, slots: dict, prefix: str
) -> dict:
    """The public form's "Votre situation": the fields a candidate answers about themself.

    Each field leaves an empty slot under it for its message, which the page fills after the
    form is sent.
    """
    if not fields:
        return {}
    st.markdown("**VOTRE SITUATION**")
    st.caption(
        "Ces réponses permettent aux organisateurs de vérifier que l'action vous est ouverte. "
        "Cochez ce qui vous concerne."
    )
    answers: dict = {}
    for form_field in fields:
        key = f"{prefix}_{form_field.code}"
        label = form_field.candidate_label + (" *" if form_field.required else "")
        if form_field.kind is FieldKind.CRITERIA:
            st.markdown(label)
            answers[form_field.code] = [
                choice.code
                for choice in form_field.choices
                if st.checkbox(app.plain(choice.label), key=f"{key}_{choice.code}")
            ]
        else:
            picked = st.radio(label, YES_NO, index=None, horizontal=True, key=key)
            answers[form_field.code] = None if picked is None else picked == "Oui"
        slots[form_field.code] = st.empty()
    return answers
