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
    assert list(table.value["Quoi"]) == ["Export"]
    assert list(table.value["Élément"]) == ["action n° 3"]
    assert shows(app, "0 candidat(s) à anonymiser")


def test_a_professional_who_is_not_admin_has_no_such_page_and_is_refused(app):
    sign_in(app, "pilote")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page(app, "audit")
    with reading() as db:
        pilot = accounts.professional_by_email(db, email=demo_email("pilote"))
    with pytest.raises(NotAllowed, match="réservée aux administrateurs"):
        require_admin(pilot)
