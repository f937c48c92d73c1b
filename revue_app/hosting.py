"""Hosting: what a shared deployment needs — one seed build for all visitors, an optional
password. No page logic here; `dashboard.py` and `revue_app.data` call these."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

from pipeline import store


def build_once(path: Path, builder: Callable[[Path], None]) -> bool:
    """Build the dataset at `path` with `builder` unless it exists; return True if this call
    built it. Several visitors (threads or processes) arriving together build it once: the
    others wait on the lock, then find it built."""
    if (path / store.MANIFEST_FILE).exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path.parent / f".{path.name}.build.lock")):
        if (path / store.MANIFEST_FILE).exists():
            return False
        builder(path)
        return True


def password_ok(given: str, expected: str) -> bool:
    """Compare a typed password with the configured one in constant time."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def configured_password(secrets: object) -> str | None:
    """Return `password` from Streamlit's secrets (`.streamlit/secrets.toml`, or the Community
    Cloud's Secrets box), or None when the app is open to all."""
    try:
        value = secrets["password"]  # type: ignore[index]
    except (KeyError, FileNotFoundError, AttributeError, TypeError):
        return None
    except Exception:  # no secrets file at all
        return None
    return str(value) if value else None


_AUTHED = "_revue_authed"


def password_gate() -> None:
    """Ask for the password when one is configured (private corpora); stop the run until the
    right one is given. Kept for the session only, never in the URL."""
    import streamlit as st

    expected = configured_password(st.secrets)
    if expected is None or st.session_state.get(_AUTHED):
        return
    st.header("Revue")
    with st.form("login"):
        given = st.text_input("Password", type="password", key="_revue_password")
        sent = st.form_submit_button("Open")
    if sent and password_ok(given or "", expected):
        st.session_state[_AUTHED] = True
        st.rerun()
    if sent:
        st.error("Wrong password.")
    st.stop()
