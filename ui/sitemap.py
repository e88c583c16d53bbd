"""Every page that needs a signed-in professional: its script, title, address, sidebar group."""

from typing import NamedTuple

import streamlit as st


class Entry(NamedTuple):
    script: str
    title: str
    url_path: str
    icon: str | None = None
    in_sidebar: bool = True


# By sidebar group; home.py shows the groups of the person's roles. A page hidden here is
# opened from a link on another page.
SIGNED_IN_PAGES = {
    "Prescripteur": (
        Entry("dashboard", "Mon tableau de bord", "tableau-de-bord", "🏠"),
        Entry("register", "Inscrire un candidat", "inscrire", in_sidebar=False),
        Entry("registration", "Inscription", "inscription", in_sidebar=False),
        Entry("review", "Bilan", "bilan", in_sidebar=False),
        Entry("emails", "Mes emails", "emails", "✉️"),
    ),
    "Coordination": (
        Entry("statistics", "Statistiques FSE+", "statistiques", "📊"),
        Entry("participants_import", "Importer les participants", "import-participants", "📥"),
        Entry("duplicates", "Doublons", "doublons", "👥"),
    ),
    "Organisateur": (
        Entry("triage", "Inscriptions de mes actions", "inscriptions", "🗂️"),
        Entry("action_edit", "Action (édition)", "action-edition", in_sidebar=False),
        Entry("questions", "Questions spécifiques", "questions", in_sidebar=False),
        Entry("followups", "Suivis à saisir", "suivis"),
    ),
    "Administration": (
        Entry("admin", "Administration", "admin", "⚙️"),
        Entry("audit", "Journal et conservation", "journal", "🛡️"),
        Entry("failed_emails", "Emails en échec", "emails-en-echec", "📮"),
    ),
}


def page(entry: Entry, *, hidden: bool = False) -> st.Page:
    return st.Page(
        f"app_pages/{entry.script}.py",
        title=entry.title,
        icon=entry.icon,
        url_path=entry.url_path,
        visibility="visible" if entry.in_sidebar and not hidden else "hidden",
    )
