"""An action's page: description, organisers, sessions to choose, and "Mes inscriptions"."""

import streamlit as st

from plie import queries
from plie.dates import format_day_long, today_in_paris
from plie.db import reading
from plie.errors import NotFound
from plie.text import counted, search_key
from ui import app

action_id = app.query_id()
try:
    with reading() as db:
        view = queries.action_view(db, action_id=action_id or 0, today=today_in_paris())
except NotFound as error:
    st.error(error.message)
    st.page_link(app.page("agenda"), label="Retour à l'agenda")
    st.stop()

action = view.action
st.title(app.plain(action.title))
st.caption(
    f"Publié le {format_day_long(today_in_paris(action.published_at))} | "
    f"TYPE : {action.action_type.label.upper()} | "
    f"ÉLIGIBILITÉ : {action.eligibility_scheme.label.upper()}"
)
st.text(action.description)
st.markdown(f"**Pilote** : {app.plain(view.pilot)}")
if view.partners:
    st.markdown(f"**Partenaires** : {app.plain(', '.join(view.partners))}")

st.subheader("Sessions")
if view.has_open_session:
    st.caption(
        "Pour inscrire un candidat, cochez « Choisir cette session » puis cliquez sur "
        "« Inscrire un nouveau candidat aux sessions cochées »."
    )
chosen = []
for session in view.sessions:
    with st.container(border=True):
        left, right = st.columns([3, 2])
        left.markdown(f"**{session.when}**")
        left.caption(session.kind.upper())
        left.markdown(app.plain(session.label))
        left.text(f"{session.place_name}\n{session.address}".upper())
        right.write(f"Limite d'inscription : {session.deadline}")
        right.write(f"Places restantes : {session.places_left}")
        if right.checkbox(
            "Choisir cette session",
            key=f"choose_session_{session.id}",
            disabled=not session.is_open,
            help=None if session.is_open else "Session complète ou inscriptions closes.",
        ):
            chosen.append(session.id)

if view.employers:
    st.subheader("Les employeurs et leurs offres d'emplois")
    employers: dict[int, dict] = {}
    for row in view.employers:
        entry = employers.setdefault(
            row["employer_id"],
            {"Employeur": row["Employeur"], "Offres": row["Offres"], "Créneaux": []},
        )
        entry["Créneaux"].append(f"{row['Créneau']} ({counted(row['Places restantes'], 'place')})")
    st.dataframe(
        [{**entry, "Créneaux": ", ".join(entry["Créneaux"])} for entry in employers.values()],
        hide_index=True,
    )

if app.user_id() is None:
    if action.allows_self_registration and view.has_open_session:
        st.page_link(
            app.page("candidat-libre"),
            label="S'inscrire comme candidat libre",
            icon="✍️",
            query_params={"id": action.id},
        )
    elif action.allows_self_registration:
        st.info(queries.ALL_SESSIONS_CLOSED)
    st.page_link(app.page("signin"), label="ou se connecter en tant que prescripteur", icon="🔑")
    st.stop()

if not view.has_open_session:
    st.info(queries.NO_SESSION_OPEN)
elif st.button(
    "Inscrire un nouveau candidat aux sessions cochées", type="primary", key="register_new"
):
    if not chosen:
        st.warning("Cochez au moins une session avant d'inscrire un candidat.")
    else:
        st.session_state["chosen_sessions"] = {"action": action.id, "sessions": chosen}
        st.session_state.pop("register_candidate_id", None)
        st.switch_page(app.page("inscrire"), query_params={"action": action.id})

st.subheader("Mes inscriptions")
with reading() as db:
    mine = queries.my_candidates(db, professional_id=app.user_id(), action_id=action.id)
if not mine:
    st.caption("Vous n'avez inscrit aucun candidat à cette action.")
else:
    st.dataframe(
        mine,
        hide_index=True,
        column_order=[
            "Candidat",
            "Session",
            "Etat",
            "Présence",
            "Suite donnée",
            "Suivi 1 mois",
            "Suivi 3 mois",
        ],
        key="my_registrations",
    )
# One link per line while the list is short; past that, the links of the lines searched for.
LINKED_LINES = 20
linked = mine
if len(mine) > LINKED_LINES:
    needle = search_key(
        st.text_input("Ouvrir l'inscription de… (nom du candidat)", key="mine_find")
    )
    linked = [row for row in mine if needle and needle in search_key(row["Candidat"])]
    linked = linked[:LINKED_LINES]
    if not needle:
        st.caption(f"{len(mine)} inscriptions : tapez le nom d'un candidat pour ouvrir la sienne.")
for row in linked:
    st.page_link(
        app.page("inscription"),
        label=app.plain(f"{row['Candidat']} — {row['Session']} — {row['Etat']}"),
        query_params={"id": row["registration_id"]},
    )
    if row["Bilan"]:
        st.page_link(
            app.page("bilan"),
            label=app.plain(f"Consulter le bilan : {row['Candidat']} — {row['Session']}"),
            icon="📋",
            query_params={"session": row["session_id"]},
        )
