"""One validated settings object, read from the environment or `.streamlit/secrets.toml`."""

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"

# Values that mean "somebody copied the example and forgot to change it".
PLACEHOLDERS = {"changeme", "change-me", "xxx", "todo", "secret", "replace-me"}


class SettingsError(RuntimeError):
    """The configuration cannot run the app; the message says what to fix."""


class Settings(BaseModel):
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'data' / 'plie.db'}"
    demo_mode: bool = True
    base_url: str = "http://localhost:8501"
    cookie_key: str = "demo-cookie-key-for-local-accounts-only"
    email_from: str = "plie-connect@example.org"
    sendgrid_api_key: str | None = None
    # Tests point this at a stand-in on 127.0.0.1; production keeps SendGrid's own host.
    sendgrid_base_url: str = "https://api.sendgrid.com"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_timeout_seconds: float = Field(default=15.0, gt=0)
    mail_poll_seconds: float = Field(default=5.0, gt=0)
    mail_retry_base_seconds: float = Field(default=60.0, gt=0)
    mail_retry_cap_seconds: float = Field(default=3600.0, gt=0)
    mail_max_attempts: int = Field(default=8, ge=1)
    # False on app servers when the mailer runs as its own process (python -m plie.mailer).
    mailer_in_app: bool = True
    upload_dir: Path = PROJECT_ROOT / "data" / "uploads"
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    timezone: str = "Europe/Paris"
    # Personal data is kept no longer than needed (README, "Données personnelles").
    audit_retention_days: int = Field(default=365, ge=1)
    candidate_inactivity_days: int = Field(default=730, ge=30)
    document_retention_days: int = Field(default=365, ge=0)
    sent_email_retention_days: int = Field(default=90, ge=1)
    housekeeping_interval_hours: float = Field(default=24.0, gt=0)
    # How many reverse proxies in front of the app append to X-Forwarded-For (0: none, the
    # connection's own address is the client's).
    trusted_proxy_hops: int = Field(default=0, ge=0)
    # Abuse limits of the public self-registration form, per client address and per email.
    self_registration_per_address: int = Field(default=10, ge=1)
    self_registration_per_email: int = Field(default=3, ge=1)
    self_registration_window_minutes: int = Field(default=60, gt=0)
    # Failed local sign-ins allowed per email and per client address in the window.
    sign_in_failures_per_email: int = Field(default=5, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    sign_in_window_minutes: int = Field(default=15, gt=0)

    @field_validator("cookie_key", "sendgrid_api_key", "smtp_password")
    @classmethod
    def _no_placeholder(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() in PLACEHOLDERS:
            raise ValueError("is still a placeholder: set a real secret")
        return value

    @field_validator("base_url", "sendgrid_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


def _read_secrets_file(path: Path) -> dict:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    # Only the top-level scalars are ours; [auth] and other tables belong to Streamlit.
    return {key: value for key, value in data.get("plie", {}).items()}


def load_settings(environ: dict[str, str] | None = None, secrets_file: Path = SECRETS_FILE):
    """Environment variables (PLIE_* or DATABASE_URL) win over the secrets file."""
    environ = os.environ if environ is None else environ
    values = _read_secrets_file(secrets_file)
    for name in Settings.model_fields:
        env_name = "DATABASE_URL" if name == "database_url" else f"PLIE_{name.upper()}"
        if env_name in environ:
            values[name] = environ[env_name]
    try:
        settings = Settings(**values)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors()
        )
        raise SettingsError(f"Invalid configuration: {problems}") from error
    if not settings.demo_mode and settings.cookie_key == Settings().cookie_key:
        raise SettingsError(
            "Invalid configuration: PLIE_COOKIE_KEY must be set to a real secret outside demo mode"
        )
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
