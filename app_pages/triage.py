"""Inscriptions de l'action: the organisers' table, to set the state of one or many rows."""

import streamlit as st

from plie import queries, registrations
from plie.dates import today_in_paris
from plie.db import reading, writing
from plie.enums import RegistrationStatus
from plie.errors import DomainError
from plie.models import Action
from plie.text import search_key
from ui import app

user_id = app.require_user()
action_id = app.query_id("action") or 0
try:
    with reading() as db:
        rows = queries.action_registrations(db, by=user_id, action_id=action_id)
        counts = queries.status_counts(db, action_id=action_id)
        sessions = queries.action_sessions(db, action_id=action_id, today=today_in_paris())
        action = db.get(Action, action_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title(f"Inscriptions : {action.title}")
app.show_flash()
st.page_link(
    app.page("questions"),
    label="Questions spécifiques de l'action",
    query_params={"action": action_id},
)
st.caption(" · ".join(f"{label} : {count}" for label, count in counts.items()) or "Aucune")
st.caption(
    " · ".join(f"{s.label} : {s.places_left} places restantes sur {s.capacity}" for s in sessions)
)

filters = st.columns([2, 2])
sent_states = [s for s in RegistrationStatus if s is not RegistrationStatus.DRAFT]
states = filters[0].multiselect("Filtrer par état", [status.label for status in sent_states])
needle = search_key(filters[1].text_input("Rechercher un candidat"))
shown = [
    row
    for row in rows
    if (not states or row["Etat"] in states) and needle in search_key(row["Candidat"])
]

select_all = st.checkbox(f"Tout sélectionner ({len(shown)} lignes)", key="select_all")
table = [{"Sélection": select_all, **row} for row in shown]
edited = st.data_editor(
    table,
    hide_index=True,
    disabled=[column for column in (table[0] if table else {}) if column != "Sélection"],
    column_order=[
        "Sélection",
        "Candidat",
        "Né(e) le",
        "Prescripteur",
        "Structure",
        "Sessions",
        "Etat",
        "Envoyée le",
    ],
    key=f"triage_{action_id}_{select_all}",
)
selected = [row["registration_id"] for row in edited if row["Sélection"]]

with st.form("change_status"):
    st.markdown(f"**{len(selected)} inscription(s) sélectionnée(s)**")
    target = st.selectbox(
        "Nouvel état",
        sent_states,
        format_func=lambda status: status.label,
        key="new_status",
    )
    comment = st.text_input("Commentaire (transmis aux prescripteurs)")
    applied = st.form_submit_button("Appliquer aux inscriptions sélectionnées", type="primary")
if applied:
    if not selected:
        st.warning("Sélectionnez au moins une inscription dans le tableau.")
    else:
        with app.attempt(), writing() as db:
            result = registrations.change_status(
                db, by=user_id, registration_ids=selected, to_status=target, comment=comment
            )
            names = {row["registration_id"]: row["Candidat"] for row in rows}
            message = f"{len(result.changed)} inscription(s) passée(s) à l'état « {target.label} »."
            for registration_id, reason in result.refused.items():
                message += f"\n\n{names.get(registration_id, registration_id)} : {reason}"
            app.flash(message)
            st.rerun()
