"""A real OpenID Connect provider on 127.0.0.1 (tests/oidc/server.mjs) and secrets for it."""

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from tests.ui_support import free_port

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "plie-connect-test"


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def install_provider() -> None:
    """Install the locked npm packages of the provider once (scripts/test.sh does it too)."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(OIDC_DIR)],
            check=True,
            capture_output=True,
        )


@contextmanager
def oidc_provider(*, redirect_uri: str, accounts: dict, log_file: Path):
    """The provider, until the block ends; yields its discovery URL and the client's secret."""
    install_provider()
    port = free_port()
    client_secret = secrets.token_urlsafe(24)
    environment = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": json.dumps(
            {"client_id": CLIENT_ID, "client_secret": client_secret, "redirect_uri": redirect_uri}
        ),
        "OIDC_ACCOUNTS": json.dumps(accounts),
    }
    with log_file.open("w") as log:
        server = subprocess.Popen(
            ["node", "server.mjs"], cwd=OIDC_DIR, env=environment, stdout=log, stderr=log
        )
        try:
            discovery = f"http://127.0.0.1:{port}/api/v2/.well-known/openid-configuration"
            _wait_for(discovery, server)
            yield discovery, client_secret
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the OpenID Connect provider stopped with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the OpenID Connect provider did not answer on {url}")


def _control_url(discovery: str, path: str) -> str:
    parsed = urlparse(discovery)
    return f"{parsed.scheme}://{parsed.netloc}/test/{path}"


def _post(discovery: str, path: str, body: str) -> None:
    request = urllib.request.Request(
        _control_url(discovery, path), data=body.encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 204, answer.status


def answer_userinfo(discovery: str, mode: str) -> None:
    """How the provider answers the next userinfo requests: "valid", "forged" (signed by a key
    its JWKS does not publish), "expired", "wrong-audience" or "wrong-issuer"."""
    _post(discovery, "userinfo", mode)


def date_logins_back(discovery: str, seconds: int) -> None:
    """The next logins at the provider are dated this long ago (the ID token's auth_time)."""
    _post(discovery, "login-age", str(seconds))


def provider_state(discovery: str) -> dict:
    """The last access token and userinfo it answered, sessions ended, end-sessions refused."""
    with urllib.request.urlopen(_control_url(discovery, "state"), timeout=5) as answer:
        return json.loads(answer.read())


def write_secrets(path: Path, *, redirect_uri: str, discovery: str, client_secret: str) -> Path:
    """A secrets.toml configured for ProConnect as the README says, pointed at the provider."""
    path.write_text(
        f"""[auth]
redirect_uri = "{redirect_uri}"
cookie_secret = "{secrets.token_urlsafe(32)}"
expose_tokens = ["id", "access"]

[auth.proconnect]
client_id = "{CLIENT_ID}"
client_secret = "{client_secret}"
server_metadata_url = "{discovery}"
client_kwargs = {{ scope = "openid email given_name usual_name siret idp_id phone custom", \
prompt = "login", token_endpoint_auth_method = "client_secret_post" }}
"""
    )
    return path
