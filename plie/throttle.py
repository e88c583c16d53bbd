"""Limits on guessing: failed local sign-ins counted per email and per client address.

Attempts are stored in the database, so that every app server counts the same ones, as keyed
hashes (HMAC with the cookie key): enough to count, not enough to tell who tried.
"""

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.errors import DomainError
from plie.models import SignInAttempt, utc_now
from plie.settings import Settings, get_settings

TOO_MANY_SIGN_INS = (
    "Trop de tentatives de connexion ont échoué. Pour protéger les comptes, la connexion est "
    "suspendue quelques minutes : réessayez dans {minutes} minutes."
)


class TooManySignIns(DomainError):
    """Too many failed sign-ins for this email or from this address in the window."""


def keyed_hash(value: str, settings: Settings | None = None) -> str:
    key = (settings or get_settings()).cookie_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _hashes(email: str, client: str, settings: Settings) -> tuple[str, str]:
    return (
        keyed_hash(f"sign-in-client:{client}", settings),
        keyed_hash(f"sign-in-email:{(email or '').strip().lower()}", settings),
    )


def check_sign_in_allowed(db: DbSession, *, email: str, client: str, settings: Settings) -> None:
    """Refuse, before any password is checked, once the failures reach a limit."""
    since = utc_now() - timedelta(minutes=settings.sign_in_window_minutes)
    client_hash, email_hash = _hashes(email, client, settings)
    by_email = db.exec(
        select(func.count(SignInAttempt.id)).where(
            SignInAttempt.email_hash == email_hash, SignInAttempt.at >= since
        )
    ).one()
    by_client = db.exec(
        select(func.count(SignInAttempt.id)).where(
            SignInAttempt.client_hash == client_hash, SignInAttempt.at >= since
        )
    ).one()
    if (
        by_email >= settings.sign_in_failures_per_email
        or by_client >= settings.sign_in_failures_per_address
    ):
        raise TooManySignIns(TOO_MANY_SIGN_INS.format(minutes=settings.sign_in_window_minutes))


def record_failed_sign_in(db: DbSession, *, email: str, client: str, settings: Settings) -> None:
    client_hash, email_hash = _hashes(email, client, settings)
    db.add(SignInAttempt(client_hash=client_hash, email_hash=email_hash))
    db.commit()


def forget_old_attempts(db: DbSession, *, settings: Settings, now=None) -> None:
    cutoff = (now or utc_now()) - timedelta(minutes=2 * settings.sign_in_window_minutes)
    db.exec(delete(SignInAttempt).where(SignInAttempt.at < cutoff))
