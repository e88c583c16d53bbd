"""The admin's page of the audit trail and the retention rules."""

import pytest

from plie import accounts, audit
from plie.db import reading, writing
from plie.enums import AuditEvent
from plie.errors import NotAllowed
from plie.permissions import require_admin
from tests.ui_support import demo_email, new_app, open_page, shows, sign_in, use_fresh_database


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def test_an_admin_reads_the_trail_and_what_retention_would_do(app):
    sign_in(app, "admin")
    with writing() as db:
        audit.record(
            db,
            professional_id=None,
            event=AuditEvent.EXPORT,
            object_type="action",
            object_id=3,
            page="inscriptions",
        )
        db.commit()
    open_page(app, "audit")
    assert shows(app, "Journal d'accès")
    [table] = app.dataframe
    rows = list(zip(table.value["Quoi"], table.value["Élément"], strict=True))
    # Newest first: the export, then the admin's own sign-in.
    assert rows == [("Export", "Action n° 3"), ("Connexion", f"Professionnel n° {admin_id()}")]
    assert shows(app, "0 candidat à anonymiser")


def admin_id() -> int:
    with reading() as db:
        return accounts.professional_by_email(db, email=demo_email("admin")).id


def test_a_professional_who_is_not_admin_is_refused_the_page_and_the_journal(app):
    sign_in(app, "pilote")
    open_page(app, "audit")  # by its address: the sidebar does not offer it
    assert [e.value for e in app.error] == ["Cette page est réservée aux administrateurs."]
    assert not app.dataframe
    with reading() as db:
        pilot = accounts.professional_by_email(db, email=demo_email("pilote"))
    with pytest.raises(NotAllowed, match="réservée aux administrateurs"):
        require_admin(pilot)


def test_a_change_made_in_a_page_is_recorded_under_the_person_and_the_page(app):
    sign_in(app, "france-travail")
    open_page(app, "dashboard")
    next(field for field in app.text_input if field.label == "Mon téléphone").input(
        "06 12 34 56 78"
    )
    next(button for button in app.button if button.label == "Sauvegarder mon équipe").click()
    app.run()

    with reading() as db:
        me = accounts.professional_by_email(db, email=demo_email("france-travail"))
        entries = audit.entries(db, audit.AuditFilter(professional_id=me.id))
    assert [(row["event"], row["object_type"], row["page"], row["detail"]) for row in entries] == [
        (AuditEvent.CHANGE, "professional", "tableau-de-bord", "fields=phone"),
        (AuditEvent.SIGN_IN, "professional", "connexion", "local"),
    ]
