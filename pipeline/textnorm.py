"""Character-level conventions shared by the stages that read French text.

One definition of "an apostrophe" and "an elided French word", so that annotation, name
resolution and sentiment agree on what "qu’OpenAI" or "n’ai" is made of.
"""

from __future__ import annotations

# Each maps to one character, so a translated copy keeps every offset of the original.
APOSTROPHES = {ch: "'" for ch in "\u2019\u2018\u02bc\u2032\u00b4"}
SPACES = {ch: " " for ch in "\u00a0\u202f\u2009\u2007\t"}
SAME_LENGTH = str.maketrans({**APOSTROPHES, **SPACES})

# French words that elide before a vowel ("l'", "qu'", "jusqu'"), without the apostrophe.
FRENCH_ELIDED = r"(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu)"
