"""Agenda: the upcoming published actions, grouped by category as on the PLIE's website."""

import streamlit as st

from plie import agenda
from plie.dates import today_in_paris
from plie.db import reading
from plie.enums import EligibilityScheme
from ui import app

FILTER_KEYS = (
    "filter_category",
    "filter_commune",
    "filter_from",
    "filter_to",
    "filter_eligibility",
)

st.title("Agenda des actions du PLIE")
app.show_flash()
today = today_in_paris()
with reading() as db:
    communes = agenda.agenda_communes(db, today=today)

if st.session_state.pop("show_everything", False):
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)

with st.expander("Filtrer l'agenda", expanded=False):
    left, middle, right = st.columns(3)
    category = left.selectbox(
        "Catégorie", agenda.categories(), index=None, placeholder="Toutes", key="filter_category"
    )
    commune = middle.selectbox(
        "Commune", communes, index=None, placeholder="Toutes", key="filter_commune"
    )
    eligibility = right.selectbox(
        "Éligibilité",
        list(EligibilityScheme),
        format_func=lambda scheme: scheme.label,
        index=None,
        placeholder="Toutes",
        key="filter_eligibility",
    )
    start, end = st.columns(2)
    date_from = start.date_input(
        "Du", value=None, min_value=today, format="DD/MM/YYYY", key="filter_from"
    )
    date_to = end.date_input(
        "Au", value=None, min_value=today, format="DD/MM/YYYY", key="filter_to"
    )

filters = agenda.AgendaFilters(
    category=category,
    commune=commune,
    date_from=date_from,
    date_to=date_to,
    eligibility=eligibility,
)
groups = []
with app.attempt(), reading() as db:
    groups = agenda.public_agenda(db, today=today, filters=filters)

if not filters.is_everything and st.button("Tout l'agenda", key="show_everything_button"):
    st.session_state["show_everything"] = True
    st.rerun()

if not groups:
    st.info("Aucune action à venir ne correspond à ces critères.")

for category_name, entries in groups:
    st.subheader(category_name.upper())
    for entry in entries:
        with st.container(border=True):
            st.caption(app.plain(entry.category.upper()))
            st.markdown(f"**{app.plain(entry.title)}**")
            st.markdown(app.plain(entry.summary))
            st.caption(
                f"{app.plain(entry.commune.upper())} · {entry.type_label} · "
                f"Éligibilité : {entry.eligibility}"
            )
            st.write(" · ".join(entry.dates[:3]) + (" …" if len(entry.dates) > 3 else ""))
            st.page_link(
                app.page("action"),
                label="Voir l'action et inscrire un candidat",
                icon="➡️",
                query_params={"id": entry.action_id},
            )
