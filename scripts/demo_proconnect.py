"""Run the demo with a ProConnect stand-in: the test provider on 127.0.0.1, then the app.

    python scripts/demo_proconnect.py        # then open http://127.0.0.1:8501/connexion

"S'identifier avec ProConnect" leads to the stand-in's page: type `agent-metropole` (a new
prescriber, attached to the Métropole by its SIRET) or `agent-france-travail` (attached to the
France Travail agency by its code). Needs Node.js; installs tests/oidc's npm packages once.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.oidc_support import oidc_provider, write_secrets  # noqa: E402

PORT = 8501
ACCOUNTS = {
    "agent-metropole": {
        "sub": "demo-sub-metropole",
        "email": "agent.metropole@plie-demo.example",
        "given_name": "Ariane",
        "usual_name": "PROCONNECT-DEMO",
        "siret": "20004050900013",
        "idp_id": "demo-idp",
        "custom": {},
    },
    "agent-france-travail": {
        "sub": "demo-sub-france-travail",
        "email": "agent.francetravail@plie-demo.example",
        "given_name": "Bastien",
        "usual_name": "AGENCE-DEMO",
        "siret": "13000548100010",
        "phone_number": "06 39 98 11 11",
        "idp_id": "demo-idp-france-travail",
        "custom": {"structureTravail": "38021"},
    },
}


def main() -> None:
    redirect_uri = f"http://127.0.0.1:{PORT}/oauth2callback"
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "provider.log"
        with oidc_provider(redirect_uri=redirect_uri, accounts=ACCOUNTS, log_file=log) as (
            discovery,
            client_secret,
        ):
            secrets = write_secrets(
                Path(scratch) / "secrets.toml",
                redirect_uri=redirect_uri,
                discovery=discovery,
                client_secret=client_secret,
            )
            command = [sys.executable, "-m", "streamlit", "run", "home.py"]
            command += ["--server.address", "127.0.0.1", "--server.port", str(PORT)]
            command += ["--secrets.files", str(secrets)]
            subprocess.run(command, cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
