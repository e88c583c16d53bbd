"""The mailer: sends the outbox's emails through SendGrid's API or SMTP, never one twice.

Each email is first claimed with one conditional UPDATE (pending -> sending); only the mailer
whose UPDATE changed the row sends it, so several app servers, or a thread and a separate
process, can run side by side. A failure the provider calls temporary (5xx, 429, no
connection) is retried later, each delay twice the last up to a cap, then the email is marked
failed. When the outcome is unknown (the provider did not answer in time, or a mailer stopped
in the middle of sending), the email is marked failed rather than sent again: a person checks
the outbox, because a duplicate confirmation confuses a prescriber more than a late one.

Run it on its own with `python -m plie.mailer` (or `--once`), or start it inside the app with
`start_background_worker()`.
"""

import argparse
import hashlib
import json
import logging
import signal
import smtplib
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Engine, update
from sqlmodel import select

from plie.background import BackgroundThread
from plie.dates import now
from plie.db import get_engine, reading, writing
from plie.enums import OutboxStatus
from plie.models import OutboxEmail
from plie.settings import Settings, get_settings

log = logging.getLogger(__name__)

# A mailer that stays "sending" this long has stopped mid-way: nobody knows if the email left.
STALE_CLAIM = timedelta(minutes=15)
BATCH_SIZE = 50


class TemporaryFailure(Exception):
    """The email was not accepted, and trying again later may work."""

    def __init__(self, reason: str, *, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """The email was refused, and trying again will not change that."""


class UncertainOutcome(Exception):
    """The email may or may not have left: it must not be sent again automatically."""


@dataclass(frozen=True)
class Outgoing:
    key: str
    to_address: str
    subject: str
    body: str


def message_id_for(key: str, sender: str) -> str:
    """The same key always gives the same Message-ID, so a receiver can spot a duplicate."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


class SendGridTransport:
    name = "sendgrid"

    def __init__(self, *, api_key: str, base_url: str, sender: str, timeout: float):
        self.api_key, self.base_url = api_key, base_url.rstrip("/")
        self.sender, self.timeout = sender, timeout

    def send(self, email: Outgoing) -> str:
        payload = {
            "personalizations": [
                {"to": [{"email": email.to_address}], "custom_args": {"outbox_key": email.key}}
            ],
            "from": {"email": self.sender},
            "subject": email.subject,
            "content": [{"type": "text/plain", "value": email.body}],
            "headers": {"Message-ID": message_id_for(email.key, self.sender)},
        }
        request = urllib.request.Request(
            f"{self.base_url}/v3/mail/send",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Content-Type": "application/json",
                "Idempotency-Key": email.key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.headers.get("X-Message-Id", "")
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                raise TemporaryFailure(
                    f"sendgrid status={error.code}",
                    retry_after=_retry_after(error.headers.get("Retry-After")),
                ) from None
            raise PermanentFailure(f"sendgrid status={error.code}") from None
        except urllib.error.URLError as error:
            # Raised while connecting or sending the request: SendGrid never got all of it.
            raise TemporaryFailure(f"sendgrid unreachable: {error.reason}") from None
        except TimeoutError:
            # The request was sent, the answer did not come: SendGrid may have accepted it.
            raise UncertainOutcome(f"sendgrid gave no answer within {self.timeout}s") from None


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: Settings):
        self.settings = settings

    def _message(self, email: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.email_from
        message["To"] = email.to_address
        message["Subject"] = email.subject
        message["Message-ID"] = message_id_for(email.key, self.settings.email_from)
        message["X-PLIE-Email-Key"] = email.key
        message.set_content(email.body)
        return message

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        try:
            smtp = smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.mail_timeout_seconds
            )
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
        except smtplib.SMTPResponseException as error:
            raise _smtp_failure(error) from None
        except (OSError, smtplib.SMTPException) as error:
            raise TemporaryFailure(f"smtp unreachable: {type(error).__name__}") from None
        return smtp

    def send(self, email: Outgoing) -> str:
        message = self._message(email)
        smtp = self._connect()
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise PermanentFailure("smtp refused the recipient") from None
        except smtplib.SMTPResponseException as error:
            raise _smtp_failure(error) from None
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise UncertainOutcome(f"smtp stopped while sending: {type(error).__name__}") from None
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return message["Message-ID"]


def _smtp_failure(error: smtplib.SMTPResponseException) -> Exception:
    reason = f"smtp status={error.smtp_code}"
    return PermanentFailure(reason) if error.smtp_code >= 500 else TemporaryFailure(reason)


def choose_transport(settings: Settings):
    """SendGrid when a key is set, else SMTP when a server is, else None (emails wait)."""
    if settings.sendgrid_api_key:
        return SendGridTransport(
            api_key=settings.sendgrid_api_key,
            base_url=settings.sendgrid_base_url,
            sender=settings.email_from,
            timeout=settings.mail_timeout_seconds,
        )
    if settings.smtp_host:
        return SmtpTransport(settings)
    return None


class Mailer:
    """Sends what is due in the outbox, one claimed email at a time."""

    def __init__(
        self,
        engine: Engine,
        transport,
        settings: Settings,
        clock: Callable[[], datetime] = now,
    ):
        self.engine, self.transport, self.settings, self.clock = engine, transport, settings, clock

    def run_once(self) -> int:
        """Send the emails due now; the number of emails this mailer handled."""
        self.fail_stale_claims()
        with reading(self.engine) as db:
            due = db.exec(
                select(OutboxEmail.id)
                .where(
                    OutboxEmail.status == OutboxStatus.PENDING,
                    OutboxEmail.next_attempt_at <= self.clock(),
                )
                .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
                .limit(BATCH_SIZE)
            ).all()

        handled = 0
        for email_id in due:
            outgoing = self._claim(email_id)
            if outgoing is not None:
                self._deliver(email_id, outgoing)
                handled += 1
        return handled

    def _claim(self, email_id: int) -> Outgoing | None:
        with writing(self.engine) as db:
            claimed = db.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.status == OutboxStatus.PENDING)
                .values(
                    status=OutboxStatus.SENDING,
                    claimed_at=self.clock(),
                    attempts=OutboxEmail.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                db.rollback()
                return None
            email = db.get(OutboxEmail, email_id)
            outgoing = Outgoing(email.key, email.to_address, email.subject, email.body)
            db.commit()
        return outgoing

    def _deliver(self, email_id: int, outgoing: Outgoing) -> None:
        try:
            provider_id = self.transport.send(outgoing)
        except TemporaryFailure as failure:
            self._retry_later(email_id, str(failure), failure.retry_after)
        except PermanentFailure as failure:
            self._give_up(email_id, str(failure))
        except UncertainOutcome as failure:
            self._give_up(email_id, str(failure), outcome_unknown=True)
        except Exception:
            # The crash may have come after the provider took the email: nobody knows.
            log.exception("email_send_crashed email=%s", email_id)
            self._give_up(
                email_id,
                "unexpected error while sending: see the mailer's log",
                outcome_unknown=True,
            )
        else:
            self._record_sent(email_id, provider_id)

    def _update(self, email_id: int, **values) -> None:
        with writing(self.engine) as db:
            db.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.status == OutboxStatus.SENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            db.commit()

    def _record_sent(self, email_id: int, provider_id: str) -> None:
        self._update(
            email_id,
            status=OutboxStatus.SENT,
            sent_at=self.clock(),
            transport=self.transport.name,
            provider_message_id=provider_id[:200] or None,
            last_error=None,
        )
        log.info("email_sent email=%s transport=%s", email_id, self.transport.name)

    def _retry_later(self, email_id: int, reason: str, retry_after: float | None) -> None:
        with reading(self.engine) as db:
            attempts = db.get(OutboxEmail, email_id).attempts
        if attempts >= self.settings.mail_max_attempts:
            self._give_up(email_id, f"{reason} (gave up after {attempts} attempts)")
            return

        delay = min(
            self.settings.mail_retry_base_seconds * 2 ** (attempts - 1),
            self.settings.mail_retry_cap_seconds,
        )
        delay = max(delay, retry_after or 0)
        self._update(
            email_id,
            status=OutboxStatus.PENDING,
            next_attempt_at=self.clock() + timedelta(seconds=delay),
            last_error=reason[:1000],
        )
        log.warning("email_retry email=%s attempts=%s delay_s=%s", email_id, attempts, delay)

    def _give_up(self, email_id: int, reason: str, *, outcome_unknown: bool = False) -> None:
        self._update(
            email_id,
            status=OutboxStatus.FAILED,
            transport=self.transport.name,
            last_error=reason[:1000],
            outcome_unknown=outcome_unknown,
        )
        log.error("email_failed email=%s transport=%s", email_id, self.transport.name)

    def fail_stale_claims(self) -> None:
        """Emails left "sending" by a mailer that stopped are failed, not sent a second time."""
        with writing(self.engine) as db:
            stale = db.execute(
                update(OutboxEmail)
                .where(
                    OutboxEmail.status == OutboxStatus.SENDING,
                    OutboxEmail.claimed_at < self.clock() - STALE_CLAIM,
                )
                .values(
                    status=OutboxStatus.FAILED,
                    last_error="the mailer stopped while sending: check whether it arrived",
                    outcome_unknown=True,
                )
                .execution_options(synchronize_session=False)
            )
            db.commit()
        if stale.rowcount:
            log.error("email_claims_stale count=%s", stale.rowcount)

    def run_forever(self, stop: threading.Event) -> None:
        log.info("mailer_started transport=%s", self.transport.name)
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:
                # A database hiccup must not kill the worker: log it and try again later.
                log.exception("mailer_round_failed")
                handled = 0
            if not handled:
                stop.wait(self.settings.mail_poll_seconds)
        log.info("mailer_stopped")


_background = BackgroundThread("plie-mailer")


def start_background_worker(
    engine: Engine | None = None, settings: Settings | None = None
) -> threading.Thread | None:
    """Start the mailer thread once per process; None without a transport or when turned off."""
    settings = settings or get_settings()
    if not settings.mailer_in_app:
        log.info("mailer_in_app=false emails_sent_by=separate_process")
        return None
    transport = choose_transport(settings)
    if transport is None:
        log.warning("mailer_disabled reason=no_transport emails_stay_in_outbox=true")
        return None
    return _background.start(Mailer(engine or get_engine(), transport, settings).run_forever)


def stop_background_worker(timeout: float = 10.0) -> None:
    _background.stop(timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Send the emails waiting in the outbox.")
    parser.add_argument("--once", action="store_true", help="send what is due, then stop")
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    settings = get_settings()
    transport = choose_transport(settings)
    if transport is None:
        log.error("mailer_disabled reason=no_transport needs=PLIE_SENDGRID_API_KEY|PLIE_SMTP_HOST")
        return 1
    mailer = Mailer(get_engine(), transport, settings)
    if arguments.once:
        mailer.run_once()
        return 0

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    mailer.run_forever(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
