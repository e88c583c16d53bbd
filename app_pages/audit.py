"""Journal et conservation: the audit trail and the retention rules, for admins."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from plie import accounts, audit, retention
from plie.dates import format_datetime, today_in_paris
from plie.db import reading, writing
from plie.enums import AuditEvent
from plie.errors import NotAllowed
from plie.permissions import require_admin
from plie.settings import get_settings
from ui import app

user_id = app.require_user()
with reading() as db:
    me = accounts.get_professional(db, professional_id=user_id)
try:
    require_admin(me)
except NotAllowed as refusal:
    st.error(refusal.message)
    st.stop()

settings = get_settings()
st.title("Journal et conservation des données")
app.show_flash()

st.subheader("Journal d'accès")
st.caption(
    "Chaque consultation d'un dossier, modification, export et téléchargement est noté ici : "
    "qui, quand, quoi et depuis quelle page, sans les données elles-mêmes. Les entrées sont "
    f"conservées {settings.audit_retention_days} jours."
)
with reading() as db:
    professionals = audit.actors(db)
names = {p.id: f"{p.first_name} {p.last_name} ({p.email})" for p in professionals}
today = today_in_paris()
columns = st.columns(4)
who = columns[0].selectbox(
    "Professionnel", [None, *names], format_func=lambda key: names.get(key, "Tous")
)
event = columns[1].selectbox(
    "Événement", [None, *AuditEvent], format_func=lambda key: key.label if key else "Tous"
)
period = columns[2].date_input(
    "Période", value=(today - timedelta(days=30), today), format="DD/MM/YYYY"
)
object_id = columns[3].number_input("N° de l'élément", min_value=0, step=1, value=0)
start, end = (period[0], period[-1]) if period else (None, None)

with reading() as db:
    rows = audit.entries(
        db,
        audit.AuditFilter(
            professional_id=who,
            event=event,
            object_id=object_id or None,
            start=start,
            end=end,
        ),
    )
if not rows:
    st.info("Aucune entrée pour ces filtres.")
else:
    if len(rows) == audit.MAX_LISTED:
        st.caption(f"Les {audit.MAX_LISTED} entrées les plus récentes : précisez les filtres.")
    table = pd.DataFrame(
        {
            "Quand": [format_datetime(row["at"]) for row in rows],
            "Qui": [row["professional"] for row in rows],
            "Quoi": [row["event"].label for row in rows],
            "Élément": [audit.object_label(row["object_type"], row["object_id"]) for row in rows],
            "Page": [row["page"] for row in rows],
            "Détail": [row["detail"] for row in rows],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")

st.subheader("Conservation")
st.markdown(
    f"- Les candidats sans activité depuis **{settings.candidate_inactivity_days} jours** sont "
    "anonymisés (les chiffres des statistiques restent).\n"
    f"- Les documents sont supprimés {settings.document_retention_days} jours après la "
    "dernière session de leur action.\n"
    f"- Les emails envoyés sont supprimés après **{settings.sent_email_retention_days} jours**.\n"
    f"- Le journal est conservé **{settings.audit_retention_days} jours**.\n"
    f"- Ces règles s'appliquent automatiquement toutes les "
    f"{settings.housekeeping_interval_hours:g} heures."
)
with reading() as db:
    pending = retention.plan(db, settings)
st.write(f"À ce jour : {pending.summary()}.")
if not pending.is_empty and st.button("Appliquer maintenant", type="primary"):
    with app.attempt(), writing() as db:
        done = retention.apply(db, settings)
        audit.record(
            db,
            professional_id=user_id,
            event=AuditEvent.RETENTION,
            object_type="retention",
            page="journal",
            detail="manual run",
        )
        db.commit()
        retention.remove_files(done)
        app.flash(f"Fait : {done.summary()}.")
        st.rerun()
