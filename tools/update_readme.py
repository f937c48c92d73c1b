"""Regenerate the README's generated sections (schema, evaluation, benchmark, pages).

    .venv/bin/python tools/update_readme.py [--eval DATASET]

Each section sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`; tests/test_docs.py
fails when the schema section drifts from pipeline/schema.py.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from pipeline import schema

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def replace_section(text: str, name: str, body: str) -> str:
    """Return `text` with the body of section `name` replaced."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {name} section")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--eval", type=Path, help="a seed dataset to evaluate")
    parser.add_argument("--devset", type=Path, help="the dev set folder, scored beside the seeds")
    parser.add_argument("--devset-data", type=Path, help="a dataset built from the dev set")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    text = replace_section(text, "schema", schema.markdown())
    if args.eval:
        from pipeline.evaluate import evaluate

        table = evaluate(args.eval, devset=args.devset, devset_data=args.devset_data)
        text = replace_section(text, "eval", "```\n" + table.split("\n\n== ")[0] + "\n```")
    results = ROOT / "bench" / "results.md"
    if results.exists():
        text = replace_section(text, "bench", results.read_text(encoding="utf-8"))
    app_results = ROOT / "bench" / "app-results.md"
    if app_results.exists():
        text = replace_section(text, "bench-app", app_results.read_text(encoding="utf-8"))
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
