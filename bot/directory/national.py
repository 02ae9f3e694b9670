"""The national numbers of each country: the emergency number, the closest hotline
and the suicide / emotional-crisis line.

These are the numbers the emergency reply, the crisis lexicon's answer (including
the self-harm reply) and the answer when the Rasa engine is down draw from, so they
are read from the seed file shipped with the project and never depend on a running
service.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import phonenumbers

SEED_FILE = Path(__file__).parent / "seed" / "countries.csv"

# When a country is unknown or has no row: 112 reaches emergency services from
# any mobile phone in most of the world (GSM standard), which is the safest
# single number to give.
INTERNATIONAL_EMERGENCY = "112"


@dataclass(frozen=True)
class NationalNumbers:
    country_code: str
    emergency: str
    hotline_name: str
    hotline_phone: str
    hotline_url: str
    checked_on: str
    source: str
    # A national suicide / emotional-crisis line; all empty where none is known.
    crisis_line_name: str = ""
    crisis_line_phone: str = ""
    crisis_line_source: str = ""

    @property
    def hotline(self) -> str:
        """What to tell a person to contact: the phone, else the web page, else emergency."""
        if self.hotline_phone:
            return readable_phone(self.hotline_phone)
        return self.hotline_url or self.emergency

    @property
    def crisis_line(self) -> str:
        """What to give a person thinking of suicide or self-harm: the crisis line, else
        the emergency number (never empty, so the self-harm reply always has a number)."""
        if self.crisis_line_phone:
            return readable_phone(self.crisis_line_phone)
        return self.emergency


def readable_phone(number: str) -> str:
    """+18883737888 -> +1 888-373-7888; short national codes (1300, 116 006) stay as written."""
    if not number.startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _field(row: dict[str, str | None], column: str) -> str:
    """A column's value, or "" when the seed file has no such column (older files)."""
    return (row.get(column) or "").strip()


@lru_cache(maxsize=1)
def _load(path: Path = SEED_FILE) -> dict[str, NationalNumbers]:
    numbers: dict[str, NationalNumbers] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["country_code"].strip().upper()
            numbers[code] = NationalNumbers(
                country_code=code,
                emergency=row["emergency_number"].strip(),
                hotline_name=row.get("hotline_name", "").strip(),
                hotline_phone=row.get("hotline_phone", "").strip(),
                hotline_url=row.get("hotline_url", "").strip(),
                checked_on=row.get("checked_on", "").strip(),
                source=row.get("hotline_source", "").strip(),
                crisis_line_name=_field(row, "crisis_line_name"),
                crisis_line_phone=_field(row, "crisis_line_phone"),
                crisis_line_source=_field(row, "crisis_line_source"),
            )
    return numbers


def numbers_for(country_code: str) -> NationalNumbers:
    """The numbers for `country_code`, or the international fallback when unknown."""
    found = _load().get(country_code.upper())
    if found is not None:
        return found
    return NationalNumbers(
        country_code=country_code.upper(),
        emergency=INTERNATIONAL_EMERGENCY,
        hotline_name="",
        hotline_phone="",
        hotline_url="",
        checked_on="",
        source="",
    )


def known_countries() -> list[str]:
    return sorted(_load())
