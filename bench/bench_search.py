"""Candidate search by the first letters of the names and the birth date, among many candidates.

Fills a scratch database with N candidates (realistic French names, birth dates over 50 years,
so that about 11 people share each birth date per 200,000), then times `search_candidates` for
random people of the file, typed as prescribers do: the first 3 to 5 letters of each name.
Prints the median and the 95th percentile, beside the same query in bare SQL.

    python bench/bench_search.py --candidates 200000
    python bench/bench_search.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/b
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from plie.candidates import search_candidates  # noqa: E402
from plie.db import make_engine, prepare_database, reading  # noqa: E402
from plie.models import Candidate  # noqa: E402
from plie.text import search_key  # noqa: E402

LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
    "Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier "
    "Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller "
    "Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine "
    "Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger "
    "Roche Roy Noël Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier "
    "Brun Dumas Brunet Schmitt Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron "
    "Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Philippe Leclercq "
    "Lacroix Fabre Dupuis Olivier Rodriguez Da-Silva Hubert Louis Charles Guillot Rivière "
    "Le-Gall Guillaume Adam Rey Moulin Gonzalez Berger Lecomte Menard Fleury Deschamps Carpentier "
    "Julien Benoit Paris Maillard Marchal Aubry Vasseur Le-Roux Renault Jacquet Collet Prévost "
    "Poirier Charpentier Royer Huet Baron Dupuy Pons Paul Laine Carré Breton Rémy Schneider "
    "Perrot Guyot Barre Marty Cousin Benali Diallo Traoré Haddad Mansouri Khelifi Bouzid"
).split()
FIRST_NAMES = (
    "Marie Jean Pierre Michel André Philippe Nathalie Isabelle Sophie Catherine Nicolas "
    "Christophe Stéphane Sandrine Céline Julien Thomas Camille Léa Manon Chloé Lucas Hugo "
    "Louis Emma Inès Sarah Yasmine Mohamed Karim Fatima Amina Mamadou Aïcha Kevin Jessica "
    "Laura Anthony Mélanie Aurélie Damien Romain Émilie Élodie Jérôme Sébastien Valérie Hélène "
    "Rachid Nadia Samir Leïla Youssef Ibrahim Moussa Awa Théo Nathan Enzo Jade Louise Alice"
).split()


def fill(engine, count: int, seed: int = 7) -> list[tuple[str, str, date]]:
    import plie.models  # noqa: F401

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    prepare_database(engine)
    rng = random.Random(seed)
    first_day = date(1960, 1, 1)
    people = []
    rows = []
    for _ in range(count):
        last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
        if rng.random() < 0.1:
            last = f"{last}-{rng.choice(LAST_NAMES)}"
        born = first_day + timedelta(days=rng.randrange(50 * 365))
        people.append((last, first, born))
        rows.append(
            {
                "last_name": last,
                "first_name": first,
                "birth_date": born,
                "last_name_key": search_key(last),
                "first_name_key": search_key(first),
                "is_plie_participant": False,
            }
        )
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(Candidate), rows[start : start + 10_000])
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return people


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(engine, people, searches: int, seed: int = 11) -> dict:
    rng = random.Random(seed)
    picks = [rng.choice(people) for _ in range(searches)]
    # What a prescriber types: the first 3 to 5 letters of each name, in any case or accents.
    typed = [
        (search_key(last)[: rng.randint(3, 5)], search_key(first)[: rng.randint(3, 5)], born)
        for last, first, born in picks
    ]
    app_times, bare_times, found = [], [], 0
    bare = text(
        "SELECT * FROM candidate WHERE birth_date = :born AND last_name_key LIKE :last "
        "AND first_name_key LIKE :first ORDER BY last_name_key, first_name_key LIMIT 10"
    )
    with reading(engine) as db:
        for last, first, born in typed:
            start = time.perf_counter()
            result = search_candidates(db, last_name=last, first_name=first, birth_date=born)
            app_times.append((time.perf_counter() - start) * 1000)
            found += bool(result)
            start = time.perf_counter()
            db.connection().execute(
                bare,
                {"born": born, "last": search_key(last) + "%", "first": search_key(first) + "%"},
            ).all()
            bare_times.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": statistics.median(app_times),
        "p95_ms": percentile(app_times, 0.95),
        "bare_median_ms": statistics.median(bare_times),
        "bare_p95_ms": percentile(bare_times, 0.95),
        "found": found / searches,
    }


def run(url: str, count: int, searches: int) -> dict:
    engine = make_engine(url)
    people = fill(engine, count)
    result = measure(engine, people, searches)
    engine.dispose()
    return result


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200_000)
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--postgresql", default=None)
    arguments = parser.parse_args(argv)
    targets = []
    with tempfile.TemporaryDirectory() as scratch:
        targets.append(("SQLite", f"sqlite:///{scratch}/search.db"))
        postgresql = arguments.postgresql or os.environ.get("DATABASE_URL", "")
        if postgresql.startswith("postgresql"):
            targets.append(("PostgreSQL", postgresql))
        rows = []
        print("| database | candidates | median (ms) | p95 (ms) | bare median | bare p95 | found |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, url in targets:
            result = run(url, arguments.candidates, arguments.searches)
            rows.append({"database": name, "candidates": arguments.candidates, **result})
            print(
                f"| {name} | {arguments.candidates:,} | {result['median_ms']:.2f} | "
                f"{result['p95_ms']:.2f} | {result['bare_median_ms']:.2f} | "
                f"{result['bare_p95_ms']:.2f} | {result['found']:.0%} |"
            )
    return rows


if __name__ == "__main__":
    main()
