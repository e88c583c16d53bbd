"""Seconds to read, dry-run and import an export of N participants, then to import it again.

The file is a CSV in the follow-up software's shape, with a few bad rows. The second import
must change nothing (its created and updated counts are printed). Prints a Markdown row.

    python bench/bench_import.py --rows 5000
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plie.db import make_engine, prepare_database, writing  # noqa: E402
from plie.imports import Outcome, apply_import, guess_mapping, plan_import, read_table  # noqa: E402
from plie.models import Professional  # noqa: E402

LAST = ["Lefèvre", "DUPONT-MARTIN", "N'DIAYE", "Da Silva", "Nguyen", "Girard", "Haddad", "Roux"]
FIRST = ["Inès", "Jean-Pierre", "Aïssatou", "Maria José", "Théo", "Zoé", "Rémi", "Élodie"]


def letters(number: int) -> str:
    """A name part without digits, distinct for each number: 0 -> 'a', 27 -> 'bb'."""
    word = ""
    while True:
        word = "abcdefghijklmnopqrstuvwxyz"[number % 26] + word
        number //= 26
        if number == 0:
            return word


def export(rows: int) -> bytes:
    rng = random.Random(8)
    lines = ["Nom;Prénom;Date de naissance;Téléphone;Mail;N° Viesion"]
    for index in range(rows):
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))
        birth = "31/02/1990" if index % 500 == 499 else born.strftime("%d/%m/%Y")
        phone = f"06 39 98 {index // 100 % 100:02d} {index % 100:02d}"
        name = f"{rng.choice(LAST)}-{letters(index)}"
        lines.append(f"{name};{rng.choice(FIRST)};{birth};{phone};P{index}@EXEMPLE.FR;VIE{index}")
    return "\n".join(lines).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{directory}/bench.db")
        prepare_database(engine)
        with writing(engine) as db:
            coordinator = Professional(
                email="c@bench.example", first_name="C", last_name="C", is_coordinator=True
            )
            db.add(coordinator)
            db.commit()
            by = coordinator.id

        content = export(args.rows)
        started = time.perf_counter()
        table = read_table("export.csv", content)
        read_s = time.perf_counter() - started
        mapping = guess_mapping(table.columns)
        with writing(engine) as db:
            started = time.perf_counter()
            plan_import(db, by=by, table=table, mapping=mapping)
            dry_s = time.perf_counter() - started
        with writing(engine) as db:
            started = time.perf_counter()
            first = apply_import(db, by=by, table=table, mapping=mapping)
            first_s = time.perf_counter() - started
        with writing(engine) as db:
            started = time.perf_counter()
            second = apply_import(db, by=by, table=table, mapping=mapping)
            second_s = time.perf_counter() - started
        engine.dispose()

    print(
        "| rows | read (s) | dry run (s) | import (s) | created | errors | again (s) | "
        "created again | updated again |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.rows} | {read_s:.2f} | {dry_s:.2f} | {first_s:.2f} | "
        f"{first.count(Outcome.CREATED)} | {first.count(Outcome.ERROR)} | {second_s:.2f} | "
        f"{second.count(Outcome.CREATED)} | {second.count(Outcome.UPDATED)} |"
    )


if __name__ == "__main__":
    main()
