"""Agenda: the upcoming published actions, grouped by category as on the PLIE's website."""

from itertools import groupby

import streamlit as st

from plie import queries
from plie.dates import today_in_paris
from plie.db import reading
from ui import app

st.title("Agenda des actions du PLIE")
app.show_flash()

with reading() as db:
    entries = queries.agenda(db, today=today_in_paris())

if not entries:
    st.info("Aucune action n'est publiée pour le moment.")

by_category = sorted(entries, key=lambda entry: entry[0].action_type.category)
for category, group in groupby(by_category, key=lambda entry: entry[0].action_type.category):
    st.subheader(category.upper())
    for action, sessions in group:
        with st.container(border=True):
            st.markdown(f"**{app.plain(action.title)}**")
            st.caption(f"{action.action_type.label} · {app.plain(action.commune.upper())}")
            st.markdown(app.plain(action.summary))
            st.write(" · ".join(session.when for session in sessions[:3]))
            st.page_link(
                app.page("action"),
                label="Voir l'action et inscrire un candidat",
                icon="➡️",
                query_params={"id": action.id},
            )
