"""ProConnect: its configuration, the signed userinfo, and the professional it signs in.

Streamlit's st.login (Authlib) runs the OpenID Connect flow and checks the ID token. ProConnect
puts the email, names, phone and SIRET in the userinfo answer, a JWT signed with the client's
algorithm, so right after sign-in the app fetches it with the access token (valid 60 seconds),
checks it here, then creates or updates the professional.
"""

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlparse

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit
from plie.enums import AuditEvent, StructureKind
from plie.errors import DomainError
from plie.models import Professional, Structure, utc_now
from plie.settings import SettingsError
from plie.validation import FieldError, clean_phone

log = logging.getLogger(__name__)

PROVIDER = "proconnect"
# The discovery URLs of ProConnect, by environment and network (Internet, then RIE).
ENVIRONMENTS = {
    "fca.integ01.dev-agentconnect.fr": "integration",
    "fca.integ02.agentconnect.rie.gouv.fr": "integration",
    "auth.agentconnect.gouv.fr": "production",
    "auth.agentconnect.rie.gouv.fr": "production",
}
DISCOVERY_PATH = "/api/v2/.well-known/openid-configuration"
REQUIRED_SCOPES = ("openid", "email", "given_name", "usual_name", "siret", "idp_id")
OPTIONAL_SCOPES = ("phone", "custom")
# Authlib checks the ID token only against the provider's published keys: no HS256.
SIGNING_ALGORITHMS = ("RS256", "ES256")
HTTP_TIMEOUT_SECONDS = 10.0
# The profile page of ProConnect's own identity provider, where people change their details.
PROFILE_URLS = {
    "integration": "https://identite-sandbox.proconnect.gouv.fr/personal-information",
    "production": "https://identite.proconnect.gouv.fr/personal-information",
}

REFUSED = (
    "La connexion avec ProConnect n'a pas abouti : vos informations n'ont pas pu être "
    "vérifiées. Réessayez ; si le problème persiste, contactez l'équipe du PLIE."
)
INCOMPLETE = (
    "ProConnect n'a pas transmis votre adresse email et vos nom et prénom : la connexion est "
    "impossible. Complétez votre compte sur ProConnect puis réessayez."
)
EMAIL_TAKEN = (
    "Un autre compte PLIE Connect utilise déjà l'adresse email de votre compte ProConnect. "
    "Contactez l'équipe du PLIE pour réunir les deux comptes."
)


class SignInRefused(DomainError):
    """ProConnect's answer cannot sign the person in; the message says what to do."""


@dataclass(frozen=True)
class ProConnectConfig:
    client_id: str
    server_metadata_url: str
    environment: str  # "integration", "production" or "local" (a test provider on this machine)

    @property
    def profile_url(self) -> str | None:
        return PROFILE_URLS.get(self.environment)


@dataclass(frozen=True)
class Identity:
    """What ProConnect's userinfo says of the person."""

    sub: str
    email: str
    given_name: str
    usual_name: str
    siret: str | None = None
    phone: str | None = None
    idp_id: str | None = None
    agency_code: str | None = None


def load_configuration(auth: Mapping | None) -> ProConnectConfig | None:
    """ProConnect's settings from the `[auth]` table of secrets.toml; None when not configured.

    Refuses, naming the key, a configuration that ProConnect would reject or that would lose
    the userinfo (Streamlit's defaults are `select_account` and client_secret_basic).
    """
    section = (auth or {}).get(PROVIDER)
    if not section:
        return None
    problems = []
    for key in ("client_id", "client_secret", "server_metadata_url"):
        if not str(section.get(key, "")).strip():
            problems.append(f"auth.{PROVIDER}.{key} is missing")
    kwargs = section.get("client_kwargs") or {}
    scopes = str(kwargs.get("scope", "")).split()
    missing = [scope for scope in REQUIRED_SCOPES if scope not in scopes]
    if missing:
        problems.append(f"auth.{PROVIDER}.client_kwargs.scope lacks {' '.join(missing)}")
    unknown = [scope for scope in scopes if scope not in REQUIRED_SCOPES + OPTIONAL_SCOPES]
    if unknown:
        problems.append(f"auth.{PROVIDER}.client_kwargs.scope has unknown {' '.join(unknown)}")
    if kwargs.get("prompt") != "login":
        problems.append(f'auth.{PROVIDER}.client_kwargs.prompt must be "login"')
    if kwargs.get("token_endpoint_auth_method") != "client_secret_post":
        problems.append(
            f'auth.{PROVIDER}.client_kwargs.token_endpoint_auth_method must be "client_secret_post"'
        )
    exposed = auth.get("expose_tokens") or []
    exposed = [exposed] if isinstance(exposed, str) else list(exposed)
    if "access" not in exposed:
        problems.append('auth.expose_tokens must include "access" (to fetch the userinfo)')
    if not str(auth.get("redirect_uri", "")).endswith("/oauth2callback"):
        problems.append("auth.redirect_uri must end with /oauth2callback")
    url = str(section.get("server_metadata_url", ""))
    environment = _environment(url)
    if url and environment is None:
        problems.append(
            f"auth.{PROVIDER}.server_metadata_url must be ProConnect's discovery URL "
            f"(https://<domain>{DISCOVERY_PATH})"
        )
    if problems:
        raise SettingsError("Invalid ProConnect configuration: " + "; ".join(problems))
    return ProConnectConfig(
        client_id=str(section["client_id"]), server_metadata_url=url, environment=environment
    )


def _environment(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.path != DISCOVERY_PATH:
        return None
    if parsed.scheme == "https" and parsed.hostname in ENVIRONMENTS:
        return ENVIRONMENTS[parsed.hostname]
    # A provider on this very machine: the tests' stand-in, or a developer's.
    if parsed.scheme == "http" and parsed.hostname in ("127.0.0.1", "localhost"):
        return "local"
    return None


def end_session_url_with_state(url: str, *, state: str | None = None) -> str:
    """The end-session URL with a `state`, which ProConnect requires there (32 characters at
    least, random); a URL that already has one is left as it is."""
    parsed = urlparse(url)
    params = dict(parse_qsl(parsed.query))
    params.setdefault("state", state or secrets.token_urlsafe(32))
    return parsed._replace(query=urlencode(params)).geturl()


def fetch_userinfo(
    access_token: str,
    *,
    config: ProConnectConfig,
    subject: str,
    http: httpx.Client | None = None,
) -> dict:
    """The userinfo claims, fetched with the access token and verified.

    Signed by one of the provider's published keys, issued by it, for this client, about the
    person of the ID token (`subject`), and not expired.
    """
    client = http or httpx.Client(timeout=HTTP_TIMEOUT_SECONDS)
    try:
        metadata = _get_json(client, config.server_metadata_url)
        keys = _get_json(client, metadata["jwks_uri"])
        answer = client.get(
            metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"}
        )
    except (httpx.HTTPError, KeyError, ValueError) as error:
        # The error's text may quote the request: only its kind is logged.
        log.warning("proconnect_userinfo_unreachable error=%s", type(error).__name__)
        raise SignInRefused(REFUSED) from None
    finally:
        if http is None:
            client.close()
    if answer.status_code != 200:
        log.warning("proconnect_userinfo_refused status=%s", answer.status_code)
        raise SignInRefused(REFUSED)
    return verify_userinfo(
        answer.text.strip(),
        jwks=keys,
        issuer=metadata["issuer"],
        client_id=config.client_id,
        subject=subject,
    )


def _get_json(client: httpx.Client, url: str) -> dict:
    answer = client.get(url)
    answer.raise_for_status()
    return answer.json()


def verify_userinfo(
    token: str,
    *,
    jwks: Mapping,
    issuer: str,
    client_id: str,
    subject: str | None = None,
    now: datetime | None = None,
) -> dict:
    """The claims of a userinfo JWT signed by one of the provider's keys, for this client."""
    now = now or utc_now()
    try:
        decoded = jwt.decode(
            token, KeySet.import_key_set(dict(jwks)), algorithms=SIGNING_ALGORITHMS
        )
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True, **({"value": subject} if subject else {})},
            exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError) as error:
        # Which check failed is worth knowing; the token and its claims are not logged.
        log.warning("proconnect_userinfo_invalid error=%s", type(error).__name__)
        raise SignInRefused(REFUSED) from None
    return dict(decoded.claims)


def identity_from_claims(claims: Mapping) -> Identity:
    """The person's identity, from verified userinfo claims."""
    email = str(claims.get("email") or "").strip().lower()
    given_name = str(claims.get("given_name") or "").strip()
    usual_name = str(claims.get("usual_name") or "").strip()
    if not email or not given_name or not usual_name:
        raise SignInRefused(INCOMPLETE)
    custom = claims.get("custom") if isinstance(claims.get("custom"), Mapping) else {}
    # France Travail's identity provider names the agent's agency in custom.structureTravail.
    agency = str(custom.get("structureTravail") or "").strip() or None
    siret = "".join(ch for ch in str(claims.get("siret") or "") if ch.isdigit()) or None
    phone = _phone(str(claims.get("phone_number") or ""))
    return Identity(
        sub=str(claims["sub"]),
        email=email,
        given_name=given_name[:100],
        usual_name=usual_name[:100],
        siret=siret if siret and len(siret) == 14 else None,
        phone=phone,
        idp_id=str(claims.get("idp_id") or "") or None,
        agency_code=agency[:20] if agency else None,
    )


def _phone(value: str) -> str | None:
    try:
        return clean_phone(value, required=False)
    except FieldError:
        return value.strip()[:20] or None


def sign_in(db: DbSession, *, identity: Identity, authenticated_at: datetime) -> Professional:
    """Create or update the professional ProConnect signed in: by sub, else by email.

    A first sign-in makes a prescriber (no organiser, coordinator or admin right). The
    professional is attached to their structure: France Travail agents by their agency code,
    others by SIRET (a structure is created for a SIRET the PLIE does not know yet).
    """
    by_sub = db.exec(
        select(Professional).where(Professional.proconnect_sub == identity.sub)
    ).first()
    by_email = db.exec(select(Professional).where(Professional.email == identity.email)).first()
    if by_sub is not None and by_email is not None and by_sub.id != by_email.id:
        log.warning("proconnect_email_conflict professional=%s other=%s", by_sub.id, by_email.id)
        raise SignInRefused(EMAIL_TAKEN)
    # People recreate their ProConnect accounts: a new sub with a known email is the same person.
    professional = by_sub or by_email
    created = professional is None
    if created:
        professional = Professional(email=identity.email, first_name="", last_name="")

    professional.proconnect_sub = identity.sub
    professional.email = identity.email
    professional.first_name = identity.given_name
    professional.last_name = identity.usual_name
    if identity.phone:
        professional.phone = identity.phone
        professional.phone_from_proconnect = True
    else:
        # What the person typed in "Mon téléphone" stays; a phone ProConnect no longer gives goes.
        if professional.phone_from_proconnect:
            professional.phone = None
        professional.phone_from_proconnect = False
    structure = _structure_for(db, identity)
    if structure is not None:
        professional.structure_id = structure.id
    professional.proconnect_signed_in_at = authenticated_at
    db.add(professional)
    db.flush()
    audit.record(
        db,
        professional_id=professional.id,
        event=AuditEvent.SIGN_IN,
        object_type="professional",
        object_id=professional.id,
        detail="proconnect",
    )
    db.commit()
    db.refresh(professional)
    log.info(
        "proconnect_sign_in professional=%s created=%s matched_by=%s structure=%s",
        professional.id,
        created,
        "new" if created else ("sub" if by_sub is not None else "email"),
        professional.structure_id,
    )
    return professional


def _structure_for(db: DbSession, identity: Identity) -> Structure | None:
    if identity.agency_code:
        agency = db.exec(
            select(Structure).where(Structure.agency_code == identity.agency_code)
        ).first()
        if agency is not None:
            return agency
    if not identity.siret:
        return None
    # One structure per SIRET (a unique index): the match is never ambiguous.
    query = select(Structure).where(Structure.siret == identity.siret)
    structure = db.exec(query).first()
    if structure is not None:
        return structure
    try:
        with db.begin_nested():
            # Named by its SIRET until an admin gives it its name.
            structure = Structure(
                name=f"Établissement SIRET {identity.siret}",
                kind=StructureKind.OTHER,
                siret=identity.siret,
            )
            db.add(structure)
    except IntegrityError:
        # A colleague of the same establishment signed in for the first time at this moment.
        return db.exec(query).one()
    log.info("structure_created structure=%s from=proconnect", structure.id)
    return structure


def signed_in_professional(
    db: DbSession, *, sub: str, authenticated_at: datetime
) -> Professional | None:
    """The professional already brought up to date for this very ProConnect sign-in, if any."""
    professional = db.exec(select(Professional).where(Professional.proconnect_sub == sub)).first()
    if professional is None or professional.proconnect_signed_in_at != authenticated_at:
        return None
    return professional
