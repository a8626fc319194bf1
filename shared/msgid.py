"""``N_``: marks English text as a msgid where a table declares it; the page translates it later
with ``_(text)`` (docs/i18n.md). Babel's extractor reads ``N_`` by default; no framework here."""


def N_(text: str) -> str:
    return text
