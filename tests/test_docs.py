"""Docs cannot drift: the README shows the real schemas, every CLI option and every page."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline import schema
from pipeline.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make run" in first_block and "make test" in first_block


def test_readme_schema_section_is_generated_from_schema_py():
    section = README.split("<!-- schema:start -->\n")[1].split("<!-- schema:end -->")[0]
    assert section.strip() == schema.markdown().strip(), (
        "README tables drifted: run .venv/bin/python tools/update_readme.py")


def test_every_cli_command_and_option_is_documented():
    parser = _parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        assert f"python -m pipeline {name}" in README, name
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, f"{name} {option} is not in the README"


def test_every_dashboard_page_is_documented():
    source = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    titles = re.findall(r"st\.Page\([^)]*?\btitle=\"([^\"]+)\"", source, flags=re.DOTALL)
    assert len(titles) >= 6, titles
    section = README.split("## Dashboard")[1].split("\n## ")[0]
    for title in titles:
        assert f"**{title}**" in section, f"page {title!r} is not described in the README"
