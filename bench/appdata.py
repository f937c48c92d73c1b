"""The bench-app dataset: 2,000 seed-derived articles built once, replicated to 100k (or more).

    python bench/appdata.py --copies 50      # data/bench-app/x50 (100k articles, ~3M mentions)

The base corpus reshuffles the seeds' paragraphs and adds sentences naming people, companies and
places drawn from pools, so the dataset has thousands of entities (a press corpus has many), not
the seeds' seventy. It is built once with the real pipeline (data/bench-app/base, reused), then
every table is replicated `copies` times by DuckDB, straight from Parquet to Parquet: each copy
gets new article ids and publication dates spread over two years, and the entities' counts and
dates follow. Tables are written sorted like `pipeline.store` writes them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "seeds"
HOME = ROOT / "data" / "bench-app"
BASE_ARTICLES = 2000
SOURCES = ["Le Monde", "Libération", "Le Figaro", "Les Échos", "La Tribune", "TechCrunch",
           "L'Express", "Mediapart", "Ouest-France", "20 Minutes", None]
FIRST = ["Claire", "Marc", "Julie", "Thomas", "Sophie", "Nicolas", "Camille", "Antoine", "Léa",
         "Hugo", "Manon", "Louis", "Chloé", "Paul", "Inès", "Arthur", "Emma", "Jules", "Sarah",
         "Lucas", "Alice", "Gabriel", "Anne", "Pierre", "Nadia", "Karim", "Fatou", "Yann",
         "Élodie", "Mathieu"]
LAST = ["Dubois", "Lefèvre", "Martin", "Bernard", "Moreau", "Laurent", "Girard", "Rousseau",
        "Fontaine", "Chevalier", "Garnier", "Mercier", "Blanchard", "Faure", "Lemaire",
        "Perrin", "Morel", "Fournier", "Gauthier", "Renaud", "Benali", "Diallo", "Nguyen",
        "Marchand", "Caron", "Colin", "Vidal", "Brunet", "Roussel", "Lacroix", "Barbier",
        "Arnaud", "Picard", "Roger", "Aubert", "Leclerc", "Meunier", "Guérin", "Boyer", "Rey"]
ORGS = ["Anthropic", "Google", "Nvidia", "Mistral AI", "Meta", "Amazon", "Hugging Face",
        "Dassault Systèmes", "Capgemini", "Orange", "Thales", "Airbus", "Renault", "Ubisoft",
        "Criteo", "Doctolib", "BlaBlaCar", "Deezer", "Ledger", "Qonto", "Alan", "Scaleway",
        "OVHcloud", "Atos", "Sanofi", "TotalEnergies", "la CNIL", "l'Arcep", "Bpifrance",
        "la Commission européenne"]
PLACES = ["Paris", "Bruxelles", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes",
          "Berlin", "Londres", "Madrid", "Rome", "Genève", "Montréal", "Dakar", "Tokyo",
          "San Francisco", "New York", "Seattle", "Pékin"]
VERBS = ["a rencontré", "a critiqué", "a salué", "a rejoint", "a quitté", "a défendu",
         "a interrogé", "a soutenu"]


def make_corpus(folder: Path, n: int, *, seed: int = 0) -> None:
    """Write `n` articles: seed paragraphs reshuffled, plus sentences naming pooled entities."""
    rng = random.Random(seed)
    paragraphs = [
        line for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()[1:] if len(line) > 80
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = rng.sample(paragraphs, k=min(6, len(paragraphs)))
        for _ in range(3):
            person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            other = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            body.insert(rng.randrange(len(body) + 1),
                        f"{person}, dirigeant de {rng.choice(ORGS)}, {rng.choice(VERBS)} "
                        f"{other} à {rng.choice(PLACES)} le {rng.randint(1, 28)} novembre, "
                        f"selon {rng.choice(ORGS)}.")
        text = f"Dépêche {i} : {rng.choice(ORGS)} et {rng.choice(PLACES)}\n" + "\n".join(body)
        (folder / f"{i:05d}.txt").write_text(text + "\n", encoding="utf-8")


def build_base(n: int = BASE_ARTICLES) -> Path:
    """Build the base dataset once (data/bench-app/base); later runs reuse it."""
    from pipeline import store
    from pipeline.build import build

    out = HOME / "base"
    if (out / store.MANIFEST_FILE).exists():
        return out
    corpus = HOME / "base-corpus"
    make_corpus(corpus, n)
    began = time.perf_counter()
    build([corpus], out)
    print(f"base: {n} articles built in {time.perf_counter() - began:.0f} s", flush=True)
    return out


def replicate(base: Path, copies: int, *, seed: int = 1) -> Path:
    """Write `base` × `copies` to data/bench-app/x<copies> with DuckDB; return its path."""
    import duckdb

    from pipeline import store

    out = HOME / f"x{copies}"
    if (out / store.MANIFEST_FILE).exists():
        return out
    tmp = HOME / f".x{copies}.building"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET temp_directory='{HOME / '.duckdb-tmp'}'")
    con.execute("SET preserve_insertion_order=false")
    t = {name: f"read_parquet('{base / (name + '.parquet')}')" for name in store.PARQUET_TABLES}
    # One row per (article, copy): a new id, a date within two years, a source.
    con.execute(f"""
        CREATE TEMP TABLE copies AS
        SELECT a.article_id AS base_id, c.k,
               a.article_id || '-' || lpad(CAST(c.k AS VARCHAR), 4, '0') AS article_id,
               DATE '2023-01-01' + CAST(hash(a.article_id, c.k, {seed}) % 730 AS INTEGER)
                   AS published,
               CAST(hash(a.article_id, c.k, {seed} + 1) % {len(SOURCES)} AS INTEGER) AS src
        FROM {t['articles']} a CROSS JOIN range({copies}) c(k)""")
    sources = "[" + ", ".join("NULL" if s is None else "'" + s.replace("'", "''") + "'"
                               for s in SOURCES) + "]"

    def write(table: str, select: str) -> None:
        keys = ", ".join(f'"{k}"' for k in store.SORT_KEYS[table])
        con.execute(f"COPY ({select} ORDER BY {keys}) TO '{tmp / (table + '.parquet')}' "
                    f"(FORMAT parquet, ROW_GROUP_SIZE {store.ROW_GROUP_SIZE})")

    write("articles", f"""
        SELECT c.article_id, a.origin || '#copy=' || c.k AS origin, a.title,
               list_extract({sources}, c.src + 1) AS source, a.url,
               CAST(c.published AS TIMESTAMP) AS published, 'metadata' AS date_source,
               a.language, a.text, a.n_words, a.boilerplate,
               CAST(NULL AS VARCHAR) AS duplicate_of, a.sentiment
        FROM {t['articles']} a JOIN copies c ON c.base_id = a.article_id""")
    for table in ("sentences", "mentions", "quotes"):
        cols = ", ".join(f'x."{c}"' for c in _columns(table) if c != "article_id")
        write(table, f"SELECT c.article_id, {cols} FROM {t[table]} x "
                     f"JOIN copies c ON c.base_id = x.article_id")
    ev = [f'x."{c}"' for c in _columns("events") if c not in ("article_id", "date")]
    write("events", f"""
        SELECT c.article_id, {', '.join(ev[:4])},
               CAST(x.date + (c.published - DATE '2023-11-20') * INTERVAL 1 DAY AS TIMESTAMP)
                   AS date, {', '.join(ev[4:])}
        FROM {t['events']} x JOIN copies c ON c.base_id = x.article_id""")
    # Entities: counts × copies, dates from the copies' publication dates.
    con.execute(f"""CREATE TEMP TABLE seen AS
        SELECT m.entity_id, min(c.published) AS first_seen, max(c.published) AS last_seen
        FROM {t['mentions']} m JOIN copies c ON c.base_id = m.article_id GROUP BY 1""")
    write("entities", f"""
        SELECT e.entity_id, e.name, e.label, e.aliases, e.n_mentions * {copies} AS n_mentions,
               e.n_articles * {copies} AS n_articles, e.sentiment,
               CAST(s.first_seen AS TIMESTAMP) AS first_seen,
               CAST(s.last_seen AS TIMESTAMP) AS last_seen
        FROM {t['entities']} e LEFT JOIN seen s USING (entity_id)""")
    write("aliases", f"SELECT entity_id, surface, n_mentions * {copies} AS n_mentions, rule "
                     f"FROM {t['aliases']}")
    counts = {name: con.execute(f"SELECT count(*) FROM '{tmp / (name + '.parquet')}'")
              .fetchone()[0] for name in store.PARQUET_TABLES}
    con.close()
    (tmp / store.REPORT_FILE).write_text("origin,reason\n", encoding="utf-8")
    manifest = json.loads((base / store.MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest.update({"counts": counts, "replicated": {"from": str(base), "copies": copies},
                     "articles": {}})  # no per-article hashes: this dataset is never rebuilt
    (tmp / store.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, default=str),
                                           encoding="utf-8")
    tmp.rename(out)
    return out


def _columns(table: str) -> list[str]:
    from pipeline import schema

    return schema.columns(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, nargs="+", default=[50])
    args = parser.parse_args()
    base = build_base()
    for copies in args.copies:
        began = time.perf_counter()
        path = replicate(base, copies)
        print(f"x{copies}: {path} ({time.perf_counter() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
