"""An administrator sees the failed emails and puts one back to send, never blindly twice."""

from collections import Counter
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import select

from plie.dates import now
from plie.db import _alembic_config, reading, upgrade_to_head, writing
from plie.enums import OutboxStatus
from plie.errors import DomainError, NotAllowed, NotFound
from plie.mailer import STALE_CLAIM, Mailer, choose_transport
from plie.models import OutboxEmail
from plie.notifications import queue_email
from plie.outbox import CHECK_FIRST, NOT_FAILED, failed_emails, requeue_email
from tests.pg_builders import a_professional
from tests.sendgrid_standin import SendGridStandIn
from tests.test_mailer import Clock, queue, settings_for
from tests.test_places_under_load import run_together

ADMINS_ONLY = "Cette page est réservée aux administrateurs."


def an_admin(engine) -> int:
    with writing(engine) as db:
        admin = a_professional(db)
        admin.is_admin = True
        db.add(admin)
        db.commit()
        return admin.id


def a_prescriber(engine) -> int:
    with writing(engine) as db:
        prescriber = a_professional(db)
        db.commit()
        return prescriber.id


def send_all(engine, answers: list[str], clock=None) -> SendGridStandIn:
    """One round of a mailer against a SendGrid stand-in that answers as told."""
    with SendGridStandIn(answers) as standin:
        settings = settings_for(standin)
        Mailer(engine, choose_transport(settings), settings, clock or Clock()).run_once()
    return standin


def emails(engine) -> dict[str, OutboxEmail]:
    with reading(engine) as db:
        return {email.key: email for email in db.exec(select(OutboxEmail))}


def test_the_admin_sees_only_the_failed_emails_and_which_may_have_arrived(engine):
    refused, timed_out, sent = queue(engine, count=3)
    send_all(engine, ["400", "slow:3", "ok"])
    admin = an_admin(engine)

    with reading(engine) as db:
        shown = failed_emails(db, by=admin)

    by_error = {email.last_error: email for email in shown}
    assert set(by_error) == {"sendgrid status=400", "sendgrid gave no answer within 2.0s"}
    assert by_error["sendgrid status=400"].outcome_unknown is False
    assert by_error["sendgrid gave no answer within 2.0s"].outcome_unknown is True
    assert all(email.attempts == 1 for email in shown)
    assert emails(engine)[sent].status == OutboxStatus.SENT


def test_a_refused_email_put_back_is_sent_once_more_with_the_same_key(engine):
    [key] = queue(engine)
    send_all(engine, ["400"])
    admin = an_admin(engine)
    email_id = emails(engine)[key].id

    with writing(engine) as db:
        requeue_email(db, by=admin, email_id=email_id)

    waiting = emails(engine)[key]
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0)
    assert waiting.next_attempt_at <= now()
    standin = send_all(engine, [], clock=Clock())
    assert standin.keys_received == [key]
    assert emails(engine)[key].status == OutboxStatus.SENT


def test_an_email_that_may_have_arrived_goes_back_only_once_checked(engine):
    [key] = queue(engine)
    send_all(engine, ["slow:3"])
    admin = an_admin(engine)
    email_id = emails(engine)[key].id

    with writing(engine) as db, pytest.raises(DomainError) as refused:
        requeue_email(db, by=admin, email_id=email_id)
    assert refused.value.message == CHECK_FIRST
    assert emails(engine)[key].status == OutboxStatus.FAILED

    with writing(engine) as db:
        requeue_email(db, by=admin, email_id=email_id, checked=True)
    assert emails(engine)[key].status == OutboxStatus.PENDING
    assert emails(engine)[key].outcome_unknown is False


def test_an_email_left_sending_by_a_stopped_mailer_may_have_arrived(engine):
    [key] = queue(engine)
    with writing(engine) as db:
        stuck = db.exec(select(OutboxEmail)).one()
        stuck.status = OutboxStatus.SENDING
        stuck.claimed_at = now() - STALE_CLAIM - timedelta(minutes=1)
        db.add(stuck)
        db.commit()

    send_all(engine, [])

    assert emails(engine)[key].outcome_unknown is True


def test_a_prescriber_may_neither_see_nor_put_back_failed_emails(engine):
    [key] = queue(engine)
    send_all(engine, ["400"])
    prescriber = a_prescriber(engine)

    with reading(engine) as db, pytest.raises(NotAllowed) as not_shown:
        failed_emails(db, by=prescriber)
    with writing(engine) as db, pytest.raises(NotAllowed) as not_put_back:
        requeue_email(db, by=prescriber, email_id=emails(engine)[key].id)

    assert not_shown.value.message == not_put_back.value.message == ADMINS_ONLY
    assert emails(engine)[key].status == OutboxStatus.FAILED


def test_only_a_failed_email_can_be_put_back(engine):
    [sent] = queue(engine)
    send_all(engine, [])
    with writing(engine) as db:
        queue_email(db, key="pending", to_address="a@example.org", subject="Objet", body="Texte")
        db.commit()
    admin = an_admin(engine)

    for key in (sent, "pending"):
        with writing(engine) as db, pytest.raises(DomainError) as refused:
            requeue_email(db, by=admin, email_id=emails(engine)[key].id)
        assert refused.value.message == NOT_FAILED
    with writing(engine) as db, pytest.raises(NotFound):
        requeue_email(db, by=admin, email_id=999_999)
    assert emails(engine)[sent].status == OutboxStatus.SENT
    assert emails(engine)["pending"].status == OutboxStatus.PENDING


def test_two_admins_putting_back_the_same_email_at_once_put_it_back_once(engine):
    [key] = queue(engine)
    send_all(engine, ["400"])
    admins = [an_admin(engine) for _ in range(8)]
    email_id = emails(engine)[key].id

    def put_back(admin):
        with writing(engine) as db:
            requeue_email(db, by=admin, email_id=email_id)
        return ""

    outcomes = run_together([lambda a=a: put_back(a) for a in admins])

    assert Counter(outcomes) == {("ok", ""): 1, ("DomainError", NOT_FAILED): 7}
    assert emails(engine)[key].status == OutboxStatus.PENDING


def test_the_migration_treats_emails_failed_before_it_as_possibly_delivered(empty_engine):
    config = _alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "731a36a149a7")
    with empty_engine.begin() as connection:
        for key, status in (("old-failed", "FAILED"), ("old-sent", "SENT")):
            connection.execute(
                text(
                    "INSERT INTO outbox_email (key, to_address, subject, body, created_at, "
                    "status, next_attempt_at, attempts) VALUES (:key, 'a@example.org', 'Objet', "
                    "'Texte', :at, :status, :at, 1)"
                ),
                {"key": key, "status": status, "at": now().replace(tzinfo=None)},
            )

    upgrade_to_head(empty_engine)

    with reading(empty_engine) as db:
        unknown = {e.key: e.outcome_unknown for e in db.exec(select(OutboxEmail))}
    assert unknown == {"old-failed": True, "old-sent": False}
