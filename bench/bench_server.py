"""The app's start time and its memory per signed-in user, measured on a real server.

Starts `streamlit run home.py` on 127.0.0.1 with a fresh demo database, then:
- start time: from the process start to the health check answering, and to the agenda shown
  in headless Chromium (the first run also migrates and loads the demo);
- memory: the server's resident memory (RSS) once the agenda was shown, then after N people
  signed in, each in their own browser context and each on their dashboard; the growth
  divided by N is the memory per signed-in user.

    python bench/bench_server.py --users 10
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plie.demo import DEMO_PASSWORD, EMAIL_DOMAIN  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PRESCRIBERS = ["france-travail", "mission-locale", "referent-plie", "ccas", "pilote", "copilote"]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(base_url: str, server: subprocess.Popen) -> None:
    while True:
        if server.poll() is not None:
            raise RuntimeError("the server stopped at start-up")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)


def measure(users: int) -> dict:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        environment = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{scratch}/plie.db",
            "PLIE_DEMO_MODE": "true",
        }
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "home.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]
        started = time.perf_counter()
        with open(Path(scratch) / "server.log", "w") as log:
            server = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_healthy(base_url, server)
            healthy = time.perf_counter() - started
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                first = browser.new_context().new_page()
                first.goto(base_url)
                expect(first.get_by_text("Agenda des actions du PLIE")).to_be_visible()
                first_page = time.perf_counter() - started
                time.sleep(2)
                before = rss_mib(server.pid)
                for index in range(users):
                    page = browser.new_context().new_page()
                    key = PRESCRIBERS[index % len(PRESCRIBERS)]
                    page.goto(f"{base_url}/connexion")
                    page.get_by_label("Adresse email").fill(f"{key}@{EMAIL_DOMAIN}")
                    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Se connecter").click()
                    expect(page.get_by_text(f"Connecté·e : {key}@")).to_be_visible()
                    page.get_by_role("link", name="Mon tableau de bord").click()
                    expect(page.get_by_text("Mon tableau de bord").first).to_be_visible()
                time.sleep(2)
                after = rss_mib(server.pid)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return {
        "healthy_s": healthy,
        "first_page_s": first_page,
        "rss_start_mib": before,
        "rss_users_mib": after,
        "users": users,
        "per_user_mib": (after - before) / users,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    arguments = parser.parse_args(argv)
    result = measure(arguments.users)
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| server answers its health check | {result['healthy_s']:.1f} s |")
    print(
        f"| first page shown (migrations and demo data included) | {result['first_page_s']:.1f} s |"
    )
    print(f"| memory with one visitor | {result['rss_start_mib']:.0f} MiB |")
    print(
        f"| memory with {result['users']} signed-in users | {result['rss_users_mib']:.0f} MiB "
        f"({result['per_user_mib']:.1f} MiB per user) |"
    )
    return result


if __name__ == "__main__":
    main()
