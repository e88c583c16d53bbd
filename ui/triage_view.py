"""The pieces of the triage page: what stays in view, the filters, the table, the links."""

import hashlib
from datetime import date

import streamlit as st

from plie.enums import RegistrationStatus
from plie.text import counted
from plie.triage import SORTS, TriageFilter, TriageSummary
from ui import app

SENT_STATES = [status for status in RegistrationStatus if status is not RegistrationStatus.DRAFT]
MAX_LINKS = 10


def summary(view: TriageSummary) -> None:
    """Counts per state and places left per session, above the table."""
    st.caption(" · ".join(f"{label} : {count}" for label, count in view.counts.items()) or "Aucune")
    if view.sessions:
        with st.expander("Places restantes par session", expanded=len(view.sessions) <= 4):
            columns = ["Session", "Capacité", "Places prises", "Places restantes"]
            if len(view.actions) > 1:
                columns.insert(0, "Action")
            st.dataframe(view.sessions, hide_index=True, column_order=columns)


def filters(view: TriageSummary, action_id: int | None) -> TriageFilter:
    """The filters, sort and search the organiser picks."""
    first = st.columns([3, 3, 3])
    states = first[0].multiselect(
        "Filtrer par état",
        SENT_STATES,
        format_func=lambda status: status.label,
        placeholder=app.CHOOSE,
        key="f_states",
    )
    sessions = {
        row["session_id"]: row["Session"] if action_id else f"{row['Action']} – {row['Session']}"
        for row in view.sessions
    }
    session_ids = first[1].multiselect(
        "Session",
        list(sessions),
        format_func=lambda value: sessions[value],
        placeholder=app.CHOOSE,
        key="f_sessions",
    )
    structure_ids = first[2].multiselect(
        "Structure du prescripteur",
        list(view.structures),
        format_func=lambda value: view.structures[value],
        placeholder=app.CHOOSE,
        key="f_structures",
    )
    second = st.columns([2, 2, 3, 2, 1])
    sent_from: date | None = second[0].date_input(
        "Envoyée à partir du", value=None, format="DD/MM/YYYY", key="f_from"
    )
    sent_to: date | None = second[1].date_input(
        "Envoyée jusqu'au", value=None, format="DD/MM/YYYY", key="f_to"
    )
    search = second[2].text_input("Rechercher un candidat", key="f_search")
    sort = second[3].selectbox("Trier par", list(SORTS), key="f_sort")
    descending = second[4].checkbox("Décroissant", key="f_desc")
    return TriageFilter(
        action_id=action_id,
        statuses=states,
        session_ids=session_ids,
        structure_ids=structure_ids,
        sent_from=sent_from,
        sent_to=sent_to,
        search=search,
        sort=sort,
        descending=descending,
    )


def table(rows: list[dict], select_all: bool, *, with_action: bool) -> list[int]:
    """The rows with a tick box each; returns the ids ticked."""
    if not rows:
        st.info("Aucune inscription ne correspond à ces filtres.")
        return []
    # A new set of rows gets a new editor: ticks never move to another candidate.
    ids = ",".join(str(row["registration_id"]) for row in rows)
    digest = hashlib.sha1(f"{ids}|{select_all}".encode()).hexdigest()[:12]
    columns = ["Sélection", "Candidat", "Né(e) le", "Prescripteur", "Structure", "Sessions"]
    columns += ["Etat", "Envoyée le"]
    if with_action:
        columns.insert(1, "Action")
    edited = st.data_editor(
        [{"Sélection": select_all, **row} for row in rows],
        hide_index=True,
        disabled=[name for name in rows[0] if name != "Sélection"],
        column_order=columns,
        key=f"triage_table_{digest}",
    )
    return [row["registration_id"] for row in edited if row["Sélection"]]


def open_links(selected: list[int], names: dict[int, str]) -> None:
    """A link to the whole file of each selected registration (the first few)."""
    for registration_id in selected[:MAX_LINKS]:
        st.page_link(
            app.page("inscription"),
            label=app.plain(f"Ouvrir le dossier de {names.get(registration_id, registration_id)}"),
            icon="📄",
            query_params={"id": registration_id},
        )
    if len(selected) > MAX_LINKS:
        st.caption(f"… et {counted(len(selected) - MAX_LINKS, 'autre')}.")
