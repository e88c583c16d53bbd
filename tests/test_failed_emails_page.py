"""Page tests: "Emails en échec", where an administrator puts a failed email back to send."""

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie.enums import OutboxStatus
from plie.models import OutboxEmail
from plie.outbox import CHECK_FIRST, MAYBE_DELIVERED
from tests.ui_support import new_app, open_page, shows, sign_in, use_fresh_database


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def demo_email_id(key: str) -> int:
    with plie_db.reading() as db:
        return db.exec(select(OutboxEmail.id).where(OutboxEmail.key == key)).one()


def status_of(key: str) -> OutboxStatus:
    with plie_db.reading() as db:
        return db.exec(select(OutboxEmail.status).where(OutboxEmail.key == key)).one()


def test_the_admin_puts_a_refused_email_back_to_send(app):
    sign_in(app, "admin")
    open_page(app, "failed_emails")
    assert app.title[0].value == "Emails en échec"
    assert shows(app, "Dernière erreur : smtp refused the recipient")

    app.button(key=f"requeue_{demo_email_id('demo-refused')}").click().run()

    assert not app.exception, app.exception
    assert shows(app, "L'email est remis en attente d'envoi.")
    assert status_of("demo-refused") == OutboxStatus.PENDING
    assert not shows(app, "Dernière erreur : smtp refused the recipient")


def test_an_email_that_may_have_arrived_is_put_back_only_once_checked(app):
    sign_in(app, "admin")
    open_page(app, "failed_emails")
    email_id = demo_email_id("demo-timed-out")
    assert [warning.value for warning in app.warning] == [MAYBE_DELIVERED]

    app.button(key=f"requeue_{email_id}").click().run()
    assert [error.value for error in app.error] == [CHECK_FIRST]
    assert status_of("demo-timed-out") == OutboxStatus.FAILED

    app.checkbox(key=f"checked_{email_id}").check()
    app.button(key=f"requeue_{email_id}").click().run()
    assert not app.exception, app.exception
    assert status_of("demo-timed-out") == OutboxStatus.PENDING


def test_the_page_refuses_a_prescriber_who_opens_its_address(app):
    sign_in(app, "france-travail")

    open_page(app, "failed_emails")  # the sidebar does not offer it

    assert [e.value for e in app.error] == ["Cette page est réservée aux administrateurs."]
    assert [b.key for b in app.button] == ["sign_out"]


def test_a_prescriber_sees_in_mes_emails_that_an_email_to_them_failed(app):
    sign_in(app, "ccas")
    open_page(app, "emails")

    assert shows(app, "Envoi : Échec de l'envoi")
