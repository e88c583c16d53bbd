"""Bilan de la session: organisers record and lock it; prescribers read their candidates' lines."""

import streamlit as st

from plie import review_table, review_views, reviews
from plie.dates import format_date, format_datetime
from plie.db import reading, writing
from plie.errors import DomainError, NotAllowed
from ui import app

user_id = app.require_user()
session_id = app.query_id("session") or 0


def show_prescriber_view() -> None:
    try:
        with reading() as db:
            view = review_views.prescriber_review(db, by=user_id, session_id=session_id)
    except DomainError as error:
        st.error(error.message)
        st.stop()
    st.title(f"Bilan : {app.plain(view.action_title)}")
    st.caption(f"{app.plain(view.session.label)} – {view.when}")
    if view.reopened_reason:
        st.info(
            "Le pilote a rouvert ce bilan pour le corriger (motif : "
            f"{app.plain(view.reopened_reason)}). Vous voyez sa version verrouillée."
        )
    st.dataframe(
        [
            {
                "Candidat": line.candidate,
                "Présence": line.attendance,
                "Suite donnée": line.outcome_summary,
                "Commentaire": line.comment,
                "Suivi 1 mois": line.follow_ups.get(1, ""),
                "Suivi 3 mois": line.follow_ups.get(3, ""),
                "Suivi 6 mois": line.follow_ups.get(6, ""),
            }
            for line in view.lines
        ],
        hide_index=True,
        key="prescriber_review",
    )


try:
    with reading() as db:
        sheet = review_views.review_sheet(db, by=user_id, session_id=session_id)
except NotAllowed:
    show_prescriber_view()
    st.stop()
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title(f"Bilan : {app.plain(sheet.action_title)}")
st.caption(f"{app.plain(sheet.session.label)} – {sheet.when}")
app.show_flash()
if not sheet.has_started:
    st.info("Cette session n'a pas encore eu lieu : son bilan se saisit à partir de son début.")
    st.stop()
if sheet.is_locked:
    st.success(
        f"Bilan verrouillé le {format_datetime(sheet.review.locked_at)} "
        f"par {app.plain(sheet.locked_by)}."
    )
else:
    st.caption("Bilan en cours de saisie : enregistrez-le, puis verrouillez-le.")

# The table restarts from the database whenever the review is saved (its key holds the
# revision). When someone else saved it meanwhile, the edits typed in this page's old table are
# dropped: say so, and save nothing from this run, rather than report a save that kept nothing.
seen_key = f"review_revision_seen_{session_id}"
seen = st.session_state.get(seen_key)
typed_before = [
    value
    for key, value in st.session_state.items()
    if seen and str(key).startswith(f"review_entries_{seen}_") and isinstance(value, dict)
]
edits_dropped = seen != sheet.revision and any(value.get("edited_rows") for value in typed_before)
st.session_state[seen_key] = sheet.revision
if edits_dropped:
    st.warning(
        "Le bilan vient d'être enregistré ou verrouillé par un autre organisateur : vos "
        "dernières saisies n'ont pas été enregistrées. Le tableau montre le bilan à jour, "
        "ressaisissez-les."
    )

st.subheader("Présence et suites données")
# Entries typed on this page and not saved yet: the page cannot change until they are saved,
# since another page's table would start from the saved review and drop them.
unsaved = any(
    value.get("edited_rows")
    for key, value in st.session_state.items()
    if str(key).startswith(f"review_entries_{sheet.revision}_") and isinstance(value, dict)
)
page = app.page_selector(sheet.candidates, key="review_page", disabled=unsaved)
if page.count > 1:
    st.caption(
        "Saisies non enregistrées sur cette page : enregistrez le bilan pour passer à une autre."
        if unsaved
        else "Enregistrez le bilan de chaque page avant de passer à une autre."
    )
with reading() as db:
    shown = review_views.review_page(db, by=user_id, session_id=session_id, page=page)
columns = review_table.entry_columns(sheet)
config = {"Candidat": st.column_config.TextColumn("Candidat", disabled=True, width=180)}
config["Prescripteur"] = st.column_config.TextColumn("Prescripteur", disabled=True, width=160)
for column in columns:
    config[column.key] = (
        st.column_config.TextColumn(column.label, width=220, max_chars=1000)
        if column.is_text
        else st.column_config.SelectboxColumn(column.label, options=column.options, width=190)
    )
edited = st.data_editor(
    review_table.entry_rows(sheet, shown),
    hide_index=True,
    column_order=["Candidat", "Prescripteur", *[column.key for column in columns]],
    column_config=config,
    disabled=sheet.is_locked,
    key=f"review_entries_{sheet.revision}_{page.number}",
)
if not sheet.is_locked:
    left, right = st.columns(2)
    if left.button("Enregistrer le bilan", type="primary", key="save_review") and not edits_dropped:
        errors: dict[str, str] = {}
        with app.attempt(errors), writing() as db:
            lines = review_table.lines_from_rows(sheet, edited)
            reviews.record_review(db, by=user_id, session_id=session_id, lines=lines)
            app.flash("Le bilan est enregistré.")
            st.session_state.pop(seen_key, None)  # this page's own change
            st.rerun()
        for message in errors.values() if len(errors) > 1 else ():
            st.error(message)
    confirm = right.checkbox("Plus rien ne changera une fois verrouillé", key="confirm_lock")
    if right.button("Verrouiller le bilan", disabled=not confirm, key="lock_review"):
        with app.attempt(), writing() as db:
            reviews.lock_review(db, by=user_id, session_id=session_id)
            app.flash("Le bilan est verrouillé : les prescripteurs sont prévenus par email.")
            st.session_state.pop(seen_key, None)  # this page's own change
            st.rerun()
elif sheet.may_reopen:
    with st.form("reopen"):
        reason = st.text_input("Motif de la réouverture", key="reopen_reason")
        if st.form_submit_button("Rouvrir le bilan"):
            with app.attempt(), writing() as db:
                reviews.reopen_review(db, by=user_id, session_id=session_id, reason=reason)
                app.flash("Le bilan est rouvert ; sa version verrouillée est conservée.")
                st.session_state.pop(seen_key, None)  # this page's own change
                st.rerun()

st.subheader("Suivis à 1, 3 et 6 mois")
st.caption(
    " · ".join(
        f"Suivi à {months} mois : à partir du {format_date(day)}"
        for months, day in sheet.due.items()
    )
)
follow_up_rows = review_table.follow_up_rows(shown)
if not follow_up_rows:
    st.caption("Les suivis concernent les candidats présents à la session.")
else:
    situations = [situation.label for situation in review_table.FOLLOW_UP_SITUATIONS]
    followed = st.data_editor(
        follow_up_rows,
        hide_index=True,
        column_order=["Candidat", *[review_table.follow_up_column(m) for m in sheet.due]],
        column_config={
            "Candidat": st.column_config.TextColumn("Candidat", disabled=True),
            **{
                review_table.follow_up_column(m): st.column_config.SelectboxColumn(
                    review_table.follow_up_column(m), options=situations, width=260
                )
                for m in sheet.due
            },
        },
        key=f"review_follow_ups_{sheet.revision}_{page.number}",
    )
    if st.button("Enregistrer les suivis", key="save_follow_ups"):
        errors = {}
        with app.attempt(errors), writing() as db:
            follow_ups = review_table.follow_ups_from_rows(followed)
            reviews.record_follow_ups(db, by=user_id, session_id=session_id, follow_ups=follow_ups)
            app.flash("Les suivis sont enregistrés.")
            st.rerun()
        for message in errors.values() if len(errors) > 1 else ():
            st.error(message)

for version in reversed(sheet.versions):
    with st.expander(f"Version verrouillée {version['Version verrouillée']}"):
        st.text(
            f"Verrouillée le {version['Verrouillée le']} par {version['Par']}, rouverte le "
            f"{version['Rouverte le']} par {version['Rouverte par']}."
        )
        st.markdown(f"Motif : {app.plain(version['Motif'])}")
        st.dataframe(
            [
                {
                    "Candidat": line.candidate,
                    "Présence": line.attendance,
                    "Suite donnée": line.outcome_summary,
                    "Commentaire": line.comment,
                }
                for line in version["lines"]
            ],
            hide_index=True,
        )
if sheet.changes_after_reopening:
    with st.expander("Modifications après réouverture"):
        st.dataframe(sheet.changes_after_reopening, hide_index=True)
