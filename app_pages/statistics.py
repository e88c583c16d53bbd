"""Statistiques FSE+: the coordinators' dashboard and the workbook for the funders."""

import io
from datetime import timedelta

import streamlit as st

from plie import esf_export, statistics, statistics_dashboard
from plie.dates import today_in_paris
from plie.db import reading, writing
from plie.enums import ActionType, EligibilityScheme, PeriodBasis, RegistrationStatus
from plie.errors import DomainError
from plie.text import counted
from ui import app

user_id = app.require_user()
state = st.session_state
try:
    with reading() as db:
        options = statistics_dashboard.filter_options(db, by=user_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title("Statistiques FSE+")
today = today_in_paris()
with st.form("statistics_filters"):
    left, middle, right = st.columns(3)
    start = left.date_input(
        "Début de la période", today - timedelta(days=365), format="DD/MM/YYYY", key="st_start"
    )
    end = middle.date_input(
        "Fin de la période", today + timedelta(days=180), format="DD/MM/YYYY", key="st_end"
    )
    basis = right.radio(
        "Période appréciée selon",
        list(PeriodBasis),
        format_func=lambda value: value.label,
        horizontal=True,
        key="st_basis",
    )
    actions = st.multiselect(
        "Actions",
        list(options["actions"]),
        format_func=options["actions"].get,
        placeholder=app.CHOOSE,
        key="st_actions",
    )
    left, middle, right = st.columns(3)
    kinds = left.multiselect(
        "Types d'action",
        list(ActionType),
        format_func=lambda v: v.label,
        placeholder=app.CHOOSE,
        key="st_types",
    )
    schemes = middle.multiselect(
        "Eligibilités",
        list(EligibilityScheme),
        format_func=lambda v: v.label,
        placeholder=app.CHOOSE,
        key="st_schemes",
    )
    structures = right.multiselect(
        "Structures des prescripteurs",
        list(options["structures"]),
        format_func=options["structures"].get,
        placeholder=app.CHOOSE,
        key="st_structures",
    )
    statuses = st.multiselect(
        "Etats (aucun choisi : tous sauf « Brouillon »)",
        list(RegistrationStatus),
        format_func=lambda v: v.label,
        placeholder=app.CHOOSE,
        key="st_statuses",
    )
    st.form_submit_button("Appliquer les filtres")

filters = None
with app.attempt():
    filters = statistics.check_filters(
        start=start,
        end=end,
        basis=basis,
        action_ids=actions,
        action_types=kinds,
        schemes=schemes,
        structure_ids=structures,
        statuses=statuses,
    )
if filters is None:
    st.stop()


@st.cache_data(ttl=600, max_entries=50, show_spinner="Calcul des statistiques…")
def cached_dashboard(by: int, chosen: statistics.StatisticsFilters, version: tuple):
    """The figures, kept while the data they count stays the same (`version`)."""
    with reading() as db:
        return statistics_dashboard.dashboard(db, by=by, filters=chosen)


with reading() as db:
    version = statistics_dashboard.data_version(db)
board = cached_dashboard(user_id, filters, version)
NOTHING = "Aucune inscription pour ces filtres."


def chart(where, rows: list[dict], **options) -> None:
    """A bar chart, or a plain sentence when the filters leave nothing to draw."""
    if rows:
        where.bar_chart(rows, **options)
    else:
        where.caption(NOTHING)


tiles = st.columns(3)
tiles[0].metric("Inscriptions retenues", board.registrations)
tiles[1].metric("Candidats distincts", board.candidates)
tiles[2].metric("Inscriptions validées", board.validated)

left, right = st.columns(2)
left.subheader("Inscriptions par semaine")
chart(left, board.weekly, x="Semaine", y="Inscriptions", sort=False)
right.subheader("Des inscriptions envoyées aux validées")
chart(right, board.funnel, x="Etape", y="Inscriptions", horizontal=True, sort=False)

st.subheader("Places occupées par session")
if board.sessions:
    st.bar_chart(
        board.sessions, x="Session", y=["Places occupées", "Places libres"], horizontal=True
    )
else:
    st.caption("Aucune session dans la période.")

left, right = st.columns(2)
left.subheader("Etats des inscriptions")
chart(left, board.states, x="Etat", y="Inscriptions", horizontal=True)
right.subheader("Indicateurs FSE+")
right.dataframe(board.indicators, hide_index=True)

left, right = st.columns(2)
for column, title, rows in (
    (left, "Critères d'éligibilité", board.eligibility),
    (right, "Suites données", board.outcomes),
):
    column.subheader(title)
    if rows is None:
        column.info("Non disponible pour le moment : voir la feuille « Méthode » du classeur.")
    else:
        chart(column, rows, x="Modalité", y="Inscriptions", horizontal=True)
for note in board.notes:
    st.caption(note)

st.subheader("Classeur Excel pour les financeurs")
st.caption(
    "Le classeur contient des données personnelles : chaque export est enregistré "
    "(qui, quand, quels filtres)."
)
if st.button("Préparer le classeur", key="prepare_export"):
    bar = st.progress(0.0, text="Préparation du classeur…")
    buffer = io.BytesIO()
    with app.attempt(), writing() as db:
        summary = esf_export.export_workbook(
            db,
            by=user_id,
            filters=filters,
            output=buffer,
            progress=lambda done: bar.progress(done, text="Préparation du classeur…"),
        )
        state["statistics_file"] = buffer.getvalue()
        state["statistics_file_name"] = f"statistiques-fse-{today.isoformat()}.xlsx"
        state["statistics_file_filters"] = filters
        bar.progress(1.0, text=f"Classeur prêt : {counted(summary.registrations, 'inscription')}.")
if state.get("statistics_file") and state.get("statistics_file_filters") == filters:
    st.download_button(
        "Télécharger le classeur (.xlsx)",
        data=state["statistics_file"],
        file_name=state["statistics_file_name"],
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_export",
    )

with st.expander("Exports enregistrés"), reading() as db:
    st.dataframe(esf_export.export_register(db, by=user_id), hide_index=True)
