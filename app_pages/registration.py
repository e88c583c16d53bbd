"""An inscription: candidate, sessions, state, and what the prescriber may still do."""

import streamlit as st

from plie import eligibility, queries, registrations, review_views, self_answers
from plie.candidates import MASKED_NOTE
from plie.dates import format_date, format_datetime, today_in_paris
from plie.db import reading, writing
from plie.errors import DomainError
from plie.reference import QUALIFICATION_BY_CODE
from plie.registration_edits import save_answers
from plie.registration_rules import ENDED_STATUSES
from ui import app
from ui import registration_parts as parts

user_id = app.require_user()
registration_id = app.query_id() or 0
try:
    with reading() as db:
        view = queries.registration_view(
            db, by=user_id, registration_id=registration_id, today=today_in_paris()
        )
except DomainError as error:
    st.error(error.message)
    st.stop()

registration, candidate = view.registration, view.candidate
NOT_GIVEN = "Non renseigné"


def qualification_name(code: str | None) -> str:
    """The level's name ("Niveau 3 – CAP, BEP") rather than its code."""
    level = QUALIFICATION_BY_CODE.get(code or "")
    return level.label if level else NOT_GIVEN


app.show_flash()
st.title(app.plain(view.action.title))
st.markdown(f"### {app.plain(candidate.display_name)}")
st.caption(f"Inscription le {format_datetime(registration.created_at)}")
st.page_link(app.page("action"), label="Retour à l'action", query_params={"id": view.action.id})

if view.prescribers:
    st.markdown("**Prescripteurs** : " + app.plain(" ; ".join(view.prescribers)))
if view.is_organiser:
    st.page_link(
        app.page("inscriptions"),
        label="Retour aux inscriptions de l'action",
        query_params={"action": view.action.id},
    )

with st.expander("Informations du candidat", expanded=view.is_organiser):
    st.write(f"Né·e le {format_date(candidate.birth_date)}")
    st.text(f"Téléphone : {candidate.phone or NOT_GIVEN}\nEmail : {candidate.email or NOT_GIVEN}")
    st.text(f"Adresse : {candidate.address or NOT_GIVEN}")
    if not candidate.in_full:
        st.caption(MASKED_NOTE)
    if view.is_organiser and candidate.in_full:
        # As in the ESF workbook: the import from the follow-up software or the form's answers.
        with reading() as db:
            stored = eligibility.stored_answers(db, registration.id)
        is_participant = candidate.is_plie_participant or (
            eligibility.answers_declare_plie_participant(view.action.eligibility_scheme, stored)
        )
        st.text(
            f"Niveau de qualification : {qualification_name(candidate.qualification_level)}\n"
            f"QPV : {'oui' if candidate.is_qpv else 'non'}\n"
            f"Participant PLIE : {'oui' if is_participant else 'non'}\n"
            f"N° France Travail : {candidate.france_travail_id or NOT_GIVEN}\n"
            f"N° Viesion : {candidate.viesion_id or NOT_GIVEN}"
        )

if registration.is_self_registered:
    with reading() as db:
        to_collect = self_answers.still_to_collect(db, registration=registration)
    st.info(
        "Inscription faite par le candidat lui-même (candidat libre) : l'éligibilité et les "
        "réponses aux questions sont celles qu'il a déclarées ; le pilote et les copilotes de "
        "l'action les complètent avec lui."
    )
    if view.self_contact:
        st.text(f"Coordonnées indiquées : {view.self_contact}")
    if to_collect and registration.status not in ENDED_STATUSES:
        st.warning("À compléter avec le candidat : " + app.plain(", ".join(to_collect)))

if view.is_prescriber:
    with st.expander("✎ Modifier les informations"):
        parts.candidate_form(candidate, user_id=user_id)
    parts.co_prescribers_section(registration, user_id=user_id)

ticked = {session.id for session in view.sessions}
if view.is_prescriber and registration.status not in ENDED_STATUSES:
    with reading() as db:
        every_session = queries.action_sessions(
            db, action_id=registration.action_id, today=today_in_paris()
        )
    parts.sessions_section(registration, every_session, ticked, user_id=user_id)
else:
    st.markdown("**SESSIONS**")
    for session in view.sessions:
        st.markdown(f"☒ {app.plain(session.label)} – {session.when}")
parts.slots_section(registration, ticked, user_id=user_id if view.is_prescriber else None)

on_screen = None  # the prescriber's answers as the form shows them, saved or not
if view.is_prescriber and registration.status not in ENDED_STATUSES:
    with st.expander("Éligibilité et questions de l'action", expanded=True):
        on_screen = parts.answers_form(registration, user_id=user_id)
elif view.may_complete and registration.status not in ENDED_STATUSES:
    with st.expander("Compléter l'inscription avec le candidat", expanded=True):
        st.caption(
            "Joignez les pièces que le candidat vous remet, renseignez le lien Viesion s'il est "
            "participant du PLIE, et corrigez ses réponses si besoin."
        )
        parts.answers_form(registration, user_id=user_id)
else:
    parts.answers_readonly(registration, user_id=user_id)
parts.documents_section(registration, user_id=user_id)

st.markdown(f"Etat de l'inscription : **{registration.status.label}**")
with reading() as db:
    review_lines = review_views.registration_review(db, by=user_id, registration_id=registration.id)
for line in review_lines:
    st.markdown(f"Présence : **{line.attendance}**")
    if line.outcome_summary:
        st.markdown(f"Suite donnée : {app.plain(line.outcome_summary)}")
    for months, situation in sorted(line.follow_ups.items()):
        st.markdown(f"Suivi {months} mois : {app.plain(situation)}")
    st.page_link(
        app.page("bilan"),
        label="Consulter le bilan",
        icon="📋",
        query_params={"session": line.session_id},
    )

if view.is_prescriber:
    if registration.status is registrations.S.DRAFT and st.button(
        "Enregistrer définitivement les sessions cochées", type="primary", key="submit_draft"
    ):
        with app.attempt(), writing() as db:
            # Sending takes the answers on screen, as "Enregistrer les informations" would.
            if on_screen is not None:
                save_answers(db, by=user_id, registration_id=registration.id, answers=on_screen)
            registrations.submit_registration(db, by=user_id, registration_id=registration.id)
            app.flash(
                "Inscription enregistrée définitivement. Un email de confirmation vous est envoyé."
            )
            st.rerun()
    if view.may_delete:
        confirm = st.checkbox(
            "Je confirme vouloir supprimer cette inscription", key="confirm_delete"
        )
        if st.button("🗑 Supprimer l'inscription", disabled=not confirm, key="delete"):
            with app.attempt(), writing() as db:
                registrations.delete_registration(db, by=user_id, registration_id=registration.id)
                app.flash("L'inscription a été supprimée.")
                st.switch_page(app.page("tableau-de-bord"))
    if view.may_unregister:
        comment = st.text_input("Motif de la désinscription (facultatif)")
        if st.button("Se désinscrire", key="unregister"):
            with app.attempt(), writing() as db:
                registrations.unregister(
                    db, by=user_id, registration_id=registration.id, comment=comment
                )
                app.flash("Le candidat est désinscrit.")
                st.rerun()

with st.expander("Historique de l'inscription", expanded=view.is_organiser):
    st.dataframe(view.history, hide_index=True)
