"""How long a sign-in lasts, and the signed token that keeps a local sign-in across page loads.

A session lasts at most 12 hours from the moment the person authenticated, as a ProConnect
session does, whatever the cookie that carries it says.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from plie.models import utc_now

MAX_SESSION = timedelta(hours=12)


@dataclass(frozen=True)
class LocalSession:
    professional_id: int
    authenticated_at: datetime


def has_expired(authenticated_at: datetime, *, now: datetime | None = None) -> bool:
    """True once 12 hours have passed since the person authenticated."""
    return (now or utc_now()) - authenticated_at >= MAX_SESSION


def issue_token(professional_id: int, *, key: str, now: datetime | None = None) -> str:
    """A token naming the professional and when they authenticated, signed with `key`."""
    at = int((now or utc_now()).timestamp())
    payload = _encode(json.dumps({"pro": professional_id, "at": at}, separators=(",", ":")))
    return f"{payload}.{_signature(payload, key)}"


def read_token(token: str | None, *, key: str, now: datetime | None = None) -> LocalSession | None:
    """The session a token carries; None when it is missing, forged, malformed or expired."""
    if not isinstance(token, str) or token.count(".") != 1:
        return None
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature, _signature(payload, key)):
        return None
    try:
        data = json.loads(_decode(payload))
        session = LocalSession(
            professional_id=int(data["pro"]),
            authenticated_at=datetime.fromtimestamp(int(data["at"]), UTC),
        )
    except (ValueError, KeyError, TypeError):
        return None
    return None if has_expired(session.authenticated_at, now=now) else session


def _signature(payload: str, key: str) -> str:
    digest = hmac.new(key.encode(), f"plie-session:{payload}".encode(), hashlib.sha256).digest()
    return _encode(digest)


def _encode(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
