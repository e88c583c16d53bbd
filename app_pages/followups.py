"""Suivis à saisir: the 1, 3 and 6 month follow-ups due in the sessions one organises."""

import streamlit as st

from plie import review_views
from plie.dates import today_in_paris
from plie.db import reading
from ui import app

user_id = app.require_user()
st.title("Suivis à saisir")
st.caption(
    "La situation des candidats présents à 1, 3 et 6 mois après la session ; "
    "le suivi à 6 mois sert au rapport du FSE+."
)
with reading() as db:
    rows = review_views.follow_ups_to_record(db, by=user_id, today=today_in_paris())
if not rows:
    st.info("Aucun suivi à saisir pour le moment.")
    st.stop()

picked = st.dataframe(
    rows,
    hide_index=True,
    column_order=["Action", "Session", "Candidat", "Suivi", "À saisir depuis le"],
    on_select="rerun",
    selection_mode="single-row",
    key="due_follow_ups",
)
for index in picked.selection.rows:
    st.page_link(
        app.page("bilan"),
        label=app.plain(f"Saisir les suivis : {rows[index]['Action']} – {rows[index]['Session']}"),
        icon="➡️",
        query_params={"session": rows[index]["session_id"]},
    )
st.caption("Sélectionnez une ligne pour ouvrir le bilan de sa session.")
