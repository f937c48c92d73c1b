"""Escaped Markdown in a real browser: what Streamlit renders from `escape.md` is the text as
typed — no link, image, icon, emoji, LaTeX or colour — in every element that renders Markdown.

Markdown parsers are not enough to check this: Streamlit turns URLs, e-mail addresses,
`:material/…:` icons and `:emoji:` shortcodes into links and icons after parsing, so only the
browser shows whether the escaping holds. Run: `python -m pytest tests/test_escape_browser.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and
                 Path(p).exists()), None)
if CHROMIUM is None:
    pytest.skip("Chromium is not installed: the browser tests need it", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

HOSTILE = [
    "[click](https://evil.example) and ![img](data:image/png;base64,iVBORw0KGgo=)",
    "https://evil.example/x www.evil.example mail@evil.example",
    ":red[alarm] :material/warning: :smile: :rainbow-background[x]",
    "$\\pi$ and $$x^2$$ `code` **bold** _it_ ~~gone~~",
    "<a href='https://evil.example'>Macron</a> <b>bold</b> &amp; &lt;",
    "# heading | a | b | > quote",
    "Sam\nAltman\t(CEO)",
]

APP = """
import json, sys
import streamlit as st
sys.path.insert(0, {root!r})
from revue_app.escape import md
texts = json.loads({texts!r})
for i, text in enumerate(texts):
    box = st.container(key=f"case-{{i}}")
    box.subheader(md(text))
    box.markdown("**" + md(text) + "**")
    box.caption(md(text))
    box.info(md(text))
    with box.expander(md(text)):
        st.write("inside")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("escape-app")
    script = folder / "app.py"
    script.write_text(APP.format(root=str(ROOT), texts=json.dumps(HOSTILE)), encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(url):
            assert process.poll() is None and time.monotonic() < deadline, (
                (folder / "server.log").read_text(errors="replace"))
            time.sleep(0.25)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


def _shown(text: str) -> str:
    """What a reader should see: the text on one line, no invisible joiner."""
    from revue_app.escape import WORD_JOINER, one_line

    return one_line(text).replace(WORD_JOINER, "")


def test_escaped_markdown_shows_literally_in_every_element(app_url):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(app_url, wait_until="domcontentloaded")
            page.locator(f".st-key-case-{len(HOSTILE) - 1}").wait_for(timeout=60_000)
            page.wait_for_timeout(500)
            main = page.locator('[data-testid="stMain"]')
            assert main.locator('[data-testid="stException"]').count() == 0
            # nothing in the rendered Markdown became a link, an image, an icon, maths,
            # coloured text, code, a heading of its own, strikethrough or a table
            rendered = main.locator('[data-testid="stMarkdownContainer"]')
            assert rendered.count() >= 5 * len(HOSTILE)
            for selector in ("a[href]:not([href^='#'])", "img", ".katex",
                             '[data-testid="stIconMaterial"]', "span[style*='color']", "code",
                             "h1", "h2", "del", "table", "blockquote"):
                assert rendered.locator(selector).count() == 0, selector
            for i, text in enumerate(HOSTILE):
                box = page.locator(f".st-key-case-{i}")
                expected = _shown(text)
                heading = box.locator("h3").inner_text().replace("\u2060", "")
                assert heading.strip() == expected
                for testid in ("stMarkdown", "stCaptionContainer", "stAlertContentInfo",
                               "stExpander"):
                    shown = box.locator(f'[data-testid="{testid}"]').first.inner_text()
                    assert expected in shown.replace("\u2060", ""), (testid, shown)
        finally:
            browser.close()
