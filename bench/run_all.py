"""Run every benchmark and write their tables into README.md, each figure beside its budget.

    python bench/run_all.py              # the full sizes of the performance budget
    python bench/run_all.py --quick      # small sizes, to check the scripts work

PostgreSQL rows need a server: DATABASE_URL naming one, or Debian's postgresql binaries, with
which a throwaway server is started on 127.0.0.1 (scripts/start_postgres.sh) and stopped after.
The README's section between the two "benchmarks" markers is replaced; the rest is untouched.
"""

import argparse
import contextlib
import io
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_pages, bench_search, bench_server, bench_submissions  # noqa: E402

README = ROOT / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
PAGE_BUDGET = 3.0
SEARCH_BUDGET_MS = 20.0
EXPORT_BUDGET = 1.5


@contextlib.contextmanager
def postgresql_url():
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith("postgresql"):
        yield given
        return
    try:
        exports = subprocess.run(
            ["bash", str(ROOT / "scripts" / "start_postgres.sh")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        yield None
        return
    values = dict(
        line.removeprefix("export ").split("=", 1) for line in exports.splitlines() if "=" in line
    )
    try:
        yield values["DATABASE_URL"]
    finally:
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "stop_postgres.sh")],
            env={**os.environ, **values},
            check=False,
            capture_output=True,
        )


def script_output(name: str, *arguments: str) -> str:
    """Run one of the benchmark scripts in its own process; its Markdown output."""
    answer = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), *arguments],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    print(answer.stdout, file=sys.stderr)
    return answer.stdout.strip()


def export_verdict(output: str) -> str:
    """The export's ratio to the fastest bare writer, read from its table, against 1.5."""
    for line in output.splitlines():
        if line.startswith("| the export"):
            ratio = float(line.split("|")[4])
            verdict = "tenu" if ratio <= EXPORT_BUDGET else "**dépassé**"
            return (
                f"Budget (≤ {EXPORT_BUDGET}× le writer nu le plus rapide) : {verdict} ({ratio}×)."
            )
    return "Budget : non mesuré."


def captured(function, *args, **kwargs):
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = function(*args, **kwargs)
    print(output.getvalue(), file=sys.stderr)
    return result, output.getvalue().strip()


def pages_section(rows: list[dict]) -> str:
    lines = [
        "| page | registrations | rows fetched | page run (ms) | floor: frame + bare SQL (ms) "
        "| ratio | budget (≤ 3×) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        verdict = "tenu" if row["ratio"] <= PAGE_BUDGET else "**dépassé**"
        lines.append(
            f"| {row['page']} | {row['registrations']:,} | {row['rows_fetched']:,} "
            f"| {row['page_ms']:.0f} | {row['frame_ms']:.0f} + {row['bare_ms']:.1f} "
            f"| {row['ratio']:.1f}× | {verdict} |"
        )
    return "\n".join(lines)


def search_section(rows: list[dict]) -> str:
    lines = [
        "| database | candidates | median (ms) | p95 (ms) | bare SQL p95 (ms) "
        "| budget (p95 < 20 ms) |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        verdict = "tenu" if row["p95_ms"] < SEARCH_BUDGET_MS else "**dépassé**"
        lines.append(
            f"| {row['database']} | {row['candidates']:,} | {row['median_ms']:.2f} "
            f"| {row['p95_ms']:.2f} | {row['bare_p95_ms']:.2f} | {verdict} |"
        )
    return "\n".join(lines)


def write_readme(body: str) -> None:
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} … {END} section to replace")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{body}\n{END}{after}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args(argv)
    sizes = ["1000", "3000"] if arguments.quick else ["1000", "10000", "100000"]
    candidates = "20000" if arguments.quick else "200000"
    users = "3" if arguments.quick else "10"
    export_rows = "5000" if arguments.quick else "100000"
    triage_rows = "1000" if arguments.quick else "5000"
    import_rows = "500" if arguments.quick else "5000"

    sections = []
    with postgresql_url() as pg_url:
        page_rows, _ = captured(bench_pages.main, ["--sizes", *sizes])
        sections.append(("Pages : exécution du script et plancher", pages_section(page_rows)))
        search_args = ["--candidates", candidates]
        if pg_url:
            search_args += ["--postgresql", pg_url]
        search_rows, _ = captured(bench_search.main, search_args)
        sections.append(("Recherche d'un candidat", search_section(search_rows)))
        submit_args = ["--workers", "20", "--submissions", "400"]
        if pg_url:
            submit_args += ["--postgresql", pg_url]
        _, submissions = captured(bench_submissions.main, submit_args)
        sections.append(("Inscriptions envoyées en même temps", submissions))
        triage_args = ["--registrations", triage_rows]
        if pg_url:
            triage_args += ["--postgresql", pg_url]
        sections.append(
            (
                "Tri des inscriptions d'une action",
                script_output("bench_triage.py", *triage_args),
            )
        )
        exported = script_output("bench_export.py", "--rows", export_rows)
        sections.append(("Export statistique", f"{exported}\n\n{export_verdict(exported)}"))
        sections.append(
            ("Import des participants", script_output("bench_import.py", "--rows", import_rows))
        )
        _, server = captured(bench_server.main, ["--users", users])
        sections.append(("Démarrage et mémoire", server))

    header = (
        f"Measured on {date.today():%d/%m/%Y} by `python bench/run_all.py"
        f"{' --quick' if arguments.quick else ''}` on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}."
    )
    body = "\n\n".join([header] + [f"#### {title}\n\n{table}" for title, table in sections])
    write_readme(body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
