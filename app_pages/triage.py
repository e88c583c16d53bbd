"""Inscriptions: the organisers' table, for one action or all those I organise."""

import streamlit as st

from plie import exports, triage
from plie.db import reading, writing
from plie.enums import REFUSALS
from plie.errors import DomainError
from plie.text import counted
from plie.triage import TRIAGE_STATUSES, TriageFilter
from ui import app, triage_view

user_id = app.require_user()
action_id = app.query_id("action")
try:
    with reading() as db:
        summary = triage.triage_summary(db, by=user_id, action_id=action_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

if action_id is not None:
    st.title(f"Inscriptions : {app.plain(summary.actions[action_id])}")
    st.page_link(
        app.page("action-edition"), label="Modifier l'action", query_params={"id": action_id}
    )
    st.page_link(
        app.page("questions"),
        label="Questions spécifiques de l'action",
        query_params={"action": action_id},
    )
else:
    st.title("Inscriptions de mes actions")
app.show_flash()
triage_view.summary(summary)
if action_id is not None:
    # Each session's review ("bilan"), once the session has begun.
    for row in summary.sessions:
        st.page_link(
            app.page("bilan"),
            label=app.plain(f"Bilan : {row['Session']}"),
            query_params={"session": row["session_id"]},
        )

filters: TriageFilter = triage_view.filters(summary, action_id)
try:
    with reading() as db:
        total = triage.triage_count(db, by=user_id, filters=filters)
except DomainError as error:
    st.error(error.message)
    st.stop()

if not total:
    # Nothing to select, change or export: the filters say so, and nothing else is offered.
    st.info("Aucune inscription ne correspond à ces filtres.")
    st.stop()
select_all = st.checkbox(f"Tout sélectionner ({counted(total, 'ligne')})", key="select_all")
page = app.page_selector(total, key="triage_page")
# The database returns the page shown; "Tout sélectionner" reads every filtered id, ids only.
with reading() as db:
    rows = triage.triage_rows(db, by=user_id, filters=filters, page=page)
    every_id = triage.triage_ids(db, by=user_id, filters=filters) if select_all else []
selected = triage_view.table(rows, select_all, with_action=action_id is None)
names = {row["registration_id"]: row["Candidat"] for row in rows}
if select_all:
    selected = every_id
    # The first few may be on another page: their names are read for their links.
    missing = [i for i in selected[: triage_view.MAX_LINKS] if i not in names]
    if missing:
        with reading() as db:
            names.update(triage.triage_names(db, by=user_id, registration_ids=missing))
triage_view.open_links(selected, names)

chosen = counted(len(selected), "inscription sélectionnée", "inscriptions sélectionnées")
st.markdown(f"**{chosen}**")
left, middle, right = st.columns([2, 2, 3])
target = left.selectbox(
    "Nouvel état", TRIAGE_STATUSES, format_func=lambda status: status.label, key="new_status"
)
reason = None
if target in REFUSALS:
    reason = middle.selectbox("Motif du refus", triage.REFUSAL_REASONS[target], key="reason")
comment = right.text_input("Commentaire (transmis aux prescripteurs)", key="comment")

if st.button("Appliquer aux inscriptions sélectionnées", type="primary", key="apply"):
    with app.attempt(), writing() as db:
        result = triage.set_status(
            db,
            by=user_id,
            registration_ids=selected,
            to_status=target,
            comment=comment,
            reason=reason,
        )
        names.update(triage.triage_names(db, by=user_id, registration_ids=list(result.refused)))
        app.flash(triage.describe_result(result, target, names))
        st.rerun()

if summary.asks_eligibility:
    st.markdown("**Éligibilité** (avec les justificatifs du dossier)")
    yes, no = st.columns(2)
    for column, validated in ((yes, True), (no, False)):
        label = "Eligibilité validée" if validated else "Eligibilité non validée"
        if column.button(label, key=f"eligibility_{validated}"):
            with app.attempt(), writing() as db:
                result = triage.decide_eligibility(
                    db, by=user_id, registration_ids=selected, validated=validated, comment=comment
                )
                decided = triage.eligibility_status(validated)
                refused = list(result.refused)
                names.update(triage.triage_names(db, by=user_id, registration_ids=refused))
                app.flash(triage.describe_result(result, decided, names))
                st.rerun()

if st.button("Préparer l'export Excel du tableau filtré", key="prepare_export"):
    with app.attempt(), reading() as db:
        workbook = exports.export_triage(db, by=user_id, filters=filters)
        st.session_state["triage_export"] = (filters, workbook)
# Offered only for the table it was made from: another action or filter needs a new export.
prepared = st.session_state.get("triage_export")
if prepared and prepared[0] == filters:
    st.download_button(
        "Télécharger l'export Excel",
        prepared[1],
        file_name="inscriptions.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_export",
    )
