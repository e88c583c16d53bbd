"""Importer les participants: a coordinator's import of the PLIE's participants, dry run first."""

import streamlit as st

from plie import accounts, imports
from plie.db import reading, writing
from plie.errors import DomainError
from plie.imports import FIELDS, REQUIRED_FIELDS, Outcome
from plie.permissions import require_coordinator
from plie.text import counted
from ui import app

user_id = app.require_user()
try:
    with reading() as db:
        require_coordinator(accounts.get_professional(db, professional_id=user_id))
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title("Importer les participants du PLIE")
app.show_flash()
st.caption(
    "Déposez l'export (Excel .xlsx ou CSV) des participants en parcours. Les colonnes choisies "
    "sont retenues pour le prochain import. Un essai à blanc montre ce qui sera créé, mis à "
    "jour ou en conflit avant que rien ne soit enregistré ; importer deux fois le même fichier "
    "ne change rien."
)
upload = st.file_uploader(
    "Fichier des participants",
    type=["xlsx", "csv", "txt"],
    key="import_file",
    max_upload_size=imports.MAX_FILE_MB,
)
st.caption(imports.FILE_RULES)
if upload is None:
    st.stop()

table = None
with app.attempt():
    table = imports.read_table(upload.name, upload.getvalue())
if table is None:
    st.stop()
st.text(
    f"{counted(len(table.rows), 'ligne')} de participants, colonnes : {', '.join(table.columns)}"
)

with reading() as db:
    proposed = imports.remembered_mapping(db, columns=table.columns)
st.subheader("Colonnes du fichier")
options = [None, *table.columns]
mapping = {}
errors: dict = {}
slots: dict = {}
columns = st.columns(4)
for index, (field_name, label) in enumerate(FIELDS.items()):
    required = " *" if field_name in REQUIRED_FIELDS else ""
    mapping[field_name] = columns[index % 4].selectbox(
        f"{label}{required}",
        options,
        index=options.index(proposed[field_name]) if field_name in proposed else 0,
        format_func=lambda column: "— aucune —" if column is None else column,
        key=f"map_{field_name}_{upload.file_id}",
    )
    slots[field_name] = columns[index % 4].empty()

signature = (upload.file_id, tuple(sorted((f, c or "") for f, c in mapping.items())))
dry_run, write = st.columns(2)
if dry_run.button("Vérifier le fichier (essai à blanc)", key="import_dry_run"):
    with app.attempt(errors), reading() as db:
        plan = imports.plan_import(db, by=user_id, table=table, mapping=mapping)
        st.session_state["import_plan"] = (signature, plan)
for field_name, message in errors.items():
    if field_name in slots:
        slots[field_name].error(message)

checked = st.session_state.get("import_plan")
if checked is None or checked[0] != signature:
    st.info("Vérifiez le fichier : l'essai à blanc montre ce que l'import fera.")
    st.stop()

plan = checked[1]
st.subheader("Essai à blanc")
counts = st.columns(5)
for column, (outcome, label) in zip(
    counts,
    (
        (Outcome.CREATED, "À créer"),
        (Outcome.UPDATED, "À mettre à jour"),
        (Outcome.UNCHANGED, "Déjà à jour"),
        (Outcome.CONFLICT, "En conflit"),
        (Outcome.ERROR, "En erreur"),
    ),
    strict=True,
):
    column.metric(label, plan.count(outcome))
for row in plan.of(Outcome.ERROR) + plan.of(Outcome.CONFLICT):
    st.text(f"Ligne {row.line} : {row.detail}")
st.dataframe(plan.table(), hide_index=True, key="import_plan_table")

if write.button("Importer les participants", type="primary", key="import_write"):
    with app.attempt(), writing() as db:
        done = imports.apply_import(db, by=user_id, table=table, mapping=mapping)
        st.session_state.pop("import_plan", None)
        created = counted(done.count(Outcome.CREATED), "participant créé", "participants créés")
        failed = counted(
            done.count(Outcome.ERROR),
            "ligne en erreur non importée",
            "lignes en erreur non importées",
        )
        app.flash(
            f"Import terminé : {created}, "
            f"{done.count(Outcome.UPDATED)} mis à jour, {done.count(Outcome.UNCHANGED)} déjà "
            f"à jour, {counted(done.count(Outcome.CONFLICT), 'conflit')} et {failed}."
        )
        st.rerun()
