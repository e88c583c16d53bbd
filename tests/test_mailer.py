"""The mailer sends each outbox email once, retries what may work later, and gives up in time.

SendGrid is a stand-in on 127.0.0.1 (tests/sendgrid_standin.py); SMTP is a real aiosmtpd
server on 127.0.0.1. Nothing here reaches another host.
"""

import email
import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from plie.dates import now
from plie.db import make_engine, prepare_database, reading, writing
from plie.enums import OutboxStatus
from plie.mailer import (
    STALE_CLAIM,
    Mailer,
    SendGridTransport,
    SmtpTransport,
    choose_transport,
    message_id_for,
    start_background_worker,
    stop_background_worker,
)
from plie.models import OutboxEmail
from plie.notifications import queue_email
from plie.settings import PROJECT_ROOT, Settings
from tests.sendgrid_standin import SendGridStandIn

SUBJECT = "Inscription enregistrée : Atelier CV"


class Clock:
    def __init__(self):
        self.current = now() + timedelta(seconds=1)

    def __call__(self):
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def settings_for(standin: SendGridStandIn | None = None, **values) -> Settings:
    base = {
        "email_from": "plie-connect@example.org",
        "mail_timeout_seconds": 2,
        "mail_retry_base_seconds": 10,
        "mail_retry_cap_seconds": 25,
        "mail_max_attempts": 4,
        "mail_poll_seconds": 0.1,
    }
    if standin is not None:
        base |= {"sendgrid_api_key": "SG.test-key", "sendgrid_base_url": standin.base_url}
    return Settings(**(base | values))


def queue(engine, count: int = 1) -> list[str]:
    keys = [f"registration-submitted:{number}:7" for number in range(1, count + 1)]
    with writing(engine) as db:
        for key in keys:
            queue_email(
                db,
                key=key,
                to_address="prescriber@example.org",
                subject=SUBJECT,
                body="Bonjour,\n\nL'inscription est enregistrée définitivement.",
            )
        db.commit()
    return keys


def outbox(engine) -> OutboxEmail:
    with reading(engine) as db:
        return db.exec(select(OutboxEmail)).one()


def sendgrid_mailer(engine, standin, clock=None) -> Mailer:
    settings = settings_for(standin)
    return Mailer(engine, choose_transport(settings), settings, clock or Clock())


def test_sendgrid_sends_a_pending_email_once_with_its_key(engine):
    [key] = queue(engine)

    with SendGridStandIn() as standin:
        handled = sendgrid_mailer(engine, standin).run_once()

    assert handled == 1
    [request] = standin.requests
    assert request["path"] == "/v3/mail/send"
    assert request["headers"]["Authorization"] == "Bearer SG.test-key"
    assert request["headers"]["Idempotency-Key"] == key
    assert request["json"]["personalizations"][0]["custom_args"] == {"outbox_key": key}
    assert request["json"]["subject"] == SUBJECT
    sent = outbox(engine)
    assert (sent.status, sent.transport, sent.provider_message_id) == (
        OutboxStatus.SENT,
        "sendgrid",
        "sg-1",
    )
    assert sent.sent_at is not None and sent.attempts == 1


def test_a_server_error_is_retried_after_a_delay_then_sent(engine):
    queue(engine)
    clock = Clock()

    with SendGridStandIn(["500"]) as standin:
        mailer = sendgrid_mailer(engine, standin, clock)
        mailer.run_once()
        waiting = outbox(engine)
        mailer.run_once()
        clock.advance(10)
        mailer.run_once()

    assert waiting.status == OutboxStatus.PENDING
    assert waiting.last_error == "sendgrid status=500"
    assert waiting.next_attempt_at == clock.current
    assert len(standin.requests) == 2
    assert (outbox(engine).status, outbox(engine).attempts) == (OutboxStatus.SENT, 2)


def test_a_rate_limit_waits_at_least_what_sendgrid_asks(engine):
    queue(engine)
    clock = Clock()

    with SendGridStandIn(["429"]) as standin:
        sendgrid_mailer(engine, standin, clock).run_once()

    waiting = outbox(engine)
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.next_attempt_at == clock.current + timedelta(seconds=120)


def test_delays_double_up_to_the_cap_then_the_email_is_marked_failed(engine):
    queue(engine)
    clock = Clock()
    delays = []

    with SendGridStandIn(["500"] * 10) as standin:
        mailer = sendgrid_mailer(engine, standin, clock)
        for _ in range(4):
            mailer.run_once()
            if outbox(engine).status == OutboxStatus.PENDING:
                delays.append((outbox(engine).next_attempt_at - clock.current).total_seconds())
                clock.current = outbox(engine).next_attempt_at

    assert delays == [10, 20, 25]
    failed = outbox(engine)
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error == "sendgrid status=500 (gave up after 4 attempts)"
    assert len(standin.requests) == 4


def test_a_refusal_is_not_retried(engine):
    queue(engine)

    with SendGridStandIn(["400"]) as standin:
        mailer = sendgrid_mailer(engine, standin)
        mailer.run_once()
        mailer.run_once()

    assert (outbox(engine).status, outbox(engine).last_error) == (
        OutboxStatus.FAILED,
        "sendgrid status=400",
    )
    assert len(standin.requests) == 1


def test_a_slow_answer_within_the_timeout_is_a_success(engine):
    queue(engine)

    with SendGridStandIn(["slow:0.5"]) as standin:
        sendgrid_mailer(engine, standin).run_once()

    assert outbox(engine).status == OutboxStatus.SENT


def test_no_answer_in_time_is_failed_and_never_sent_a_second_time(engine):
    queue(engine)
    clock = Clock()

    with SendGridStandIn(["slow:3"]) as standin:
        mailer = sendgrid_mailer(engine, standin, clock)
        mailer.run_once()
        clock.advance(3600)
        mailer.run_once()

    failed = outbox(engine)
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error == "sendgrid gave no answer within 2.0s"
    assert len(standin.requests) == 1


def test_two_mailers_at_once_send_each_email_exactly_once(engine):
    keys = queue(engine, count=20)

    with SendGridStandIn() as standin:
        mailers = [sendgrid_mailer(engine, standin) for _ in range(2)]
        barrier = threading.Barrier(2)

        def run(mailer):
            barrier.wait()
            mailer.run_once()

        threads = [threading.Thread(target=run, args=(mailer,)) for mailer in mailers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(standin.keys_received) == sorted(keys)
    with reading(engine) as db:
        statuses = db.exec(select(OutboxEmail)).all()
    assert {row.status for row in statuses} == {OutboxStatus.SENT}


def test_an_email_left_sending_by_a_stopped_mailer_is_failed_not_resent(engine):
    queue(engine)
    with writing(engine) as db:
        email_row = db.exec(select(OutboxEmail)).one()
        stuck = db.get(OutboxEmail, email_row.id)
        stuck.status = OutboxStatus.SENDING
        stuck.claimed_at = now() - STALE_CLAIM - timedelta(minutes=1)
        db.add(stuck)
        db.commit()

    with SendGridStandIn() as standin:
        sendgrid_mailer(engine, standin).run_once()

    assert outbox(engine).status == OutboxStatus.FAILED
    assert standin.requests == []


class Recorder:
    def __init__(self, refuse: bool = False):
        self.messages, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    def start(refuse: bool = False):
        recorder = Recorder(refuse)
        controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return recorder, controller.port

    started = []
    yield start
    for controller in started:
        controller.stop()


def test_smtp_delivers_with_a_message_id_made_from_the_key(engine, smtp_server):
    [key] = queue(engine)
    recorder, port = smtp_server()
    settings = settings_for(smtp_host="127.0.0.1", smtp_port=port)

    Mailer(engine, choose_transport(settings), settings).run_once()

    [message] = recorder.messages
    assert message["Message-ID"] == message_id_for(key, "plie-connect@example.org")
    assert str(email.header.make_header(email.header.decode_header(message["Subject"]))) == SUBJECT
    assert message["To"] == "prescriber@example.org"
    assert "enregistrée définitivement" in message.get_payload(decode=True).decode()
    assert (outbox(engine).status, outbox(engine).transport) == (OutboxStatus.SENT, "smtp")


def test_smtp_server_down_is_retried_later(engine):
    queue(engine)
    settings = settings_for(smtp_host="127.0.0.1", smtp_port=free_port())

    Mailer(engine, SmtpTransport(settings), settings).run_once()

    waiting = outbox(engine)
    assert waiting.status == OutboxStatus.PENDING
    assert waiting.last_error == "smtp unreachable: ConnectionRefusedError"


def test_smtp_refusing_the_recipient_is_not_retried(engine, smtp_server):
    queue(engine)
    _recorder, port = smtp_server(refuse=True)
    settings = settings_for(smtp_host="127.0.0.1", smtp_port=port)

    Mailer(engine, SmtpTransport(settings), settings).run_once()

    assert (outbox(engine).status, outbox(engine).last_error) == (
        OutboxStatus.FAILED,
        "smtp refused the recipient",
    )


def test_sendgrid_is_chosen_first_then_smtp_then_nothing():
    both = settings_for(sendgrid_api_key="SG.k", smtp_host="127.0.0.1")

    assert isinstance(choose_transport(both), SendGridTransport)
    assert isinstance(choose_transport(settings_for(smtp_host="127.0.0.1")), SmtpTransport)
    assert choose_transport(settings_for()) is None


def test_sendgrid_defaults_to_its_real_host_unless_configured():
    assert Settings().sendgrid_base_url == "https://api.sendgrid.com"


def test_without_a_transport_no_worker_starts_and_emails_wait(engine):
    queue(engine)

    assert start_background_worker(engine, settings_for()) is None

    assert outbox(engine).status == OutboxStatus.PENDING


def test_no_worker_starts_in_the_app_when_the_mailer_runs_as_its_own_process(engine):
    queue(engine)
    with SendGridStandIn() as standin:
        started = start_background_worker(engine, settings_for(standin, mailer_in_app=False))

    assert started is None
    assert standin.requests == []
    assert outbox(engine).status == OutboxStatus.PENDING


def test_the_background_worker_starts_once_and_sends(engine):
    queue(engine)
    with SendGridStandIn() as standin:
        try:
            first = start_background_worker(engine, settings_for(standin))
            second = start_background_worker(engine, settings_for(standin))
            for _ in range(100):
                if outbox(engine).status == OutboxStatus.SENT:
                    break
                threading.Event().wait(0.05)
        finally:
            stop_background_worker()

    assert first is second
    assert outbox(engine).status == OutboxStatus.SENT
    assert len(standin.requests) == 1


def test_the_mailer_runs_as_its_own_process(tmp_path, smtp_server):
    url = f"sqlite:///{tmp_path / 'process.db'}"
    engine = make_engine(url)
    prepare_database(engine)
    queue(engine)
    recorder, port = smtp_server()
    environment = os.environ | {
        "DATABASE_URL": url,
        "PLIE_SMTP_HOST": "127.0.0.1",
        "PLIE_SMTP_PORT": str(port),
    }

    finished = subprocess.run(
        [sys.executable, "-m", "plie.mailer", "--once"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 0, finished.stderr
    assert len(recorder.messages) == 1
    assert outbox(engine).status == OutboxStatus.SENT
    engine.dispose()
