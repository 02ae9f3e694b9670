"""The country seed file (`bot/directory/seed/countries.csv`) and what `numbers_for` makes of it.

These check the form of every row (codes, numbers, sources, dates) and a few facts
that are well known. They cannot tell whether a number is still answered: that is
what the NGO check described in `bot/directory/seed/README.md` is for.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import phonenumbers
import pytest

from bot.directory.national import (
    INTERNATIONAL_EMERGENCY,
    SEED_FILE,
    NationalNumbers,
    _load,
    known_countries,
    numbers_for,
    readable_phone,
)

with open(SEED_FILE, encoding="utf-8", newline="") as _handle:
    ROWS: list[dict[str, str]] = list(csv.DictReader(_handle))
BY_CODE = {row["country_code"]: row for row in ROWS}

# Emergency numbers outside 2-4 digits: the South African and Namibian police numbers have five.
LONG_EMERGENCY_NUMBERS = {("ZA", "10111"), ("NA", "10111")}

# Emergency numbers that are right but missing from libphonenumber's emergency list
# (phonenumbers 9.0). HN: the library only knows the old police number 199, not the
# national 911 system. RS: the library only knows the old 92/93/94, not 192/193/194.
# UZ: the library only knows the old 01/02/03, not 101/102/103.
NOT_IN_LIBPHONENUMBER_EMERGENCY = {
    ("NG", "112"),
    ("GH", "112"),
    ("HN", "911"),
    ("RS", "192"),
    ("UZ", "102"),
}

# UN member states that have no row yet, because the drafter was not sure enough of the
# police / emergency number (see "Countries not in the file" in the README). For these the
# bot gives 112, which may not work there.
MISSING_UN_MEMBERS = {
    "BI", "CD", "GN", "GQ", "GW", "KI", "KP", "LS", "LY", "MH", "NR", "SO", "SS", "ST",
    "VU", "WS", "YE",
}  # fmt: skip

# The 193 UN member states.
UN_MEMBERS = {
    "AD", "AE", "AF", "AG", "AL", "AM", "AO", "AR", "AT", "AU", "AZ", "BA", "BB", "BD", "BE",
    "BF", "BG", "BH", "BI", "BJ", "BN", "BO", "BR", "BS", "BT", "BW", "BY", "BZ", "CA", "CD",
    "CF", "CG", "CH", "CI", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CY", "CZ", "DE", "DJ",
    "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "ER", "ES", "ET", "FI", "FJ", "FM", "FR", "GA",
    "GB", "GD", "GE", "GH", "GM", "GN", "GQ", "GR", "GT", "GW", "GY", "HN", "HR", "HT", "HU",
    "ID", "IE", "IL", "IN", "IQ", "IR", "IS", "IT", "JM", "JO", "JP", "KE", "KG", "KH", "KI",
    "KM", "KN", "KP", "KR", "KW", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU",
    "LV", "LY", "MA", "MC", "MD", "ME", "MG", "MH", "MK", "ML", "MM", "MN", "MR", "MT", "MU",
    "MV", "MW", "MX", "MY", "MZ", "NA", "NE", "NG", "NI", "NL", "NO", "NP", "NR", "NZ", "OM",
    "PA", "PE", "PG", "PH", "PK", "PL", "PT", "PW", "PY", "QA", "RO", "RS", "RU", "RW", "SA",
    "SB", "SC", "SD", "SE", "SG", "SI", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV",
    "SY", "SZ", "TD", "TG", "TH", "TJ", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TZ", "UA",
    "UG", "US", "UY", "UZ", "VC", "VE", "VN", "VU", "WS", "YE", "ZA", "ZM", "ZW",
}  # fmt: skip

EU_MEMBERS = {
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}  # fmt: skip

# No page stating the emergency number has been found yet (see the README).
NO_EMERGENCY_SOURCE_YET = {"MM", "LA"}

# Short codes and numbers that the services publish but that libphonenumber's metadata
# (phonenumbers 9.0) does not know, so neither is_valid_number nor
# is_valid_short_number_for_region accepts them. Each one is a national code dialled
# as written; PK's is a 9-digit "UAN" number.
NOT_IN_LIBPHONENUMBER = {
    # hotlines
    ("AR", "145"),
    ("PE", "1818"),
    ("DE", "116 016"),
    ("GR", "1109"),
    ("UA", "527"),
    ("SA", "19911"),
    ("BH", "995"),
    ("LB", "1740"),
    ("NG", "627"),
    ("NP", "1145"),
    ("PK", "111-247-786"),
    ("TH", "1300"),
    ("VN", "111"),
    ("LA", "1362"),
    ("ID", "129"),
    ("PH", "1343"),
    # crisis lines
    ("BR", "188"),
    ("PE", "113"),
    ("GR", "1018"),
    ("UA", "7333"),
    ("LB", "1564"),
    ("QA", "16000"),
    ("HK", "18111"),
    ("TW", "1925"),
    ("KR", "109"),
}

# Countries whose language the bot speaks (en es fr pt ar fa ru uk th vi tl zh), and the
# main destination countries of trafficked people.
LANGUAGE_COUNTRIES = {
    "US", "GB", "IE", "AU", "NZ", "CA",  # en
    "ES", "MX", "AR", "CO", "PE", "CL",  # es
    "FR", "BE", "CH",  # fr
    "PT", "BR",  # pt
    "SA", "AE", "QA", "KW", "BH", "OM", "JO", "LB", "EG", "MA",  # ar
    "IR", "AF",  # fa
    "RU", "KZ", "MD",  # ru
    "UA",  # uk
    "TH",  # th
    "VN",  # vi
    "PH",  # tl
    "CN", "TW", "HK", "SG",  # zh
}  # fmt: skip
DESTINATION_COUNTRIES = {
    "AE", "SA", "QA", "KW", "BH", "OM",  # Gulf states
    "MY", "TH", "SG", "JP", "KR", "HK", "TW",
    "US", "GB", "DE", "IT", "ES", "FR", "NL", "BE", "TR", "RU", "IL", "LB", "JO",
}  # fmt: skip

_SEPARATORS = re.compile(r"[ \-]")


def _phones() -> list[tuple[str, str, str]]:
    """(country, column, number) for every non-empty hotline and crisis-line phone."""
    found = []
    for row in ROWS:
        for column in ("hotline_phone", "crisis_line_phone"):
            if row[column].strip():
                found.append((row["country_code"], column, row[column].strip()))
    return found


# --- the file itself ------------------------------------------------------------------


def test_every_row_has_every_column_and_the_crisis_columns_exist() -> None:
    with open(SEED_FILE, encoding="utf-8", newline="") as handle:
        header, *records = list(csv.reader(handle))
    assert {"crisis_line_name", "crisis_line_phone", "crisis_line_source"} <= set(header)
    assert all(len(record) == len(header) for record in records)


def test_country_codes_are_unique_iso_codes() -> None:
    codes = [row["country_code"] for row in ROWS]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert code == code.strip().upper() and len(code) == 2, code
        assert code in phonenumbers.SUPPORTED_REGIONS, code


def test_enough_countries_hotlines_and_crisis_lines() -> None:
    assert len(ROWS) >= 180
    assert sum(bool(row["hotline_phone"].strip()) for row in ROWS) >= 40
    assert sum(bool(row["crisis_line_phone"].strip()) for row in ROWS) >= 30
    assert known_countries() == sorted(BY_CODE)


def test_language_and_destination_countries_are_present() -> None:
    assert LANGUAGE_COUNTRIES - set(BY_CODE) == set()
    assert DESTINATION_COUNTRIES - set(BY_CODE) == set()


def test_every_un_member_has_a_row_or_is_listed_as_missing() -> None:
    assert len(UN_MEMBERS) == 193
    assert UN_MEMBERS - set(BY_CODE) == MISSING_UN_MEMBERS
    assert MISSING_UN_MEMBERS & set(BY_CODE) == set()


def test_eu_rows_say_112_works_where_the_police_number_comes_first() -> None:
    """112 works in every EU country; where the row gives the police number, the note says so."""
    assert EU_MEMBERS - set(BY_CODE) == set()
    for code in EU_MEMBERS:
        row = BY_CODE[code]
        if row["emergency_number"] != "112":
            assert "112" in row["emergency_note"], code


def test_every_row_says_it_is_not_yet_verified() -> None:
    for row in ROWS:
        assert "not yet verified by an NGO" in row["checked_by"], row["country_code"]


def test_checked_on_is_an_iso_date() -> None:
    for row in ROWS:
        checked = date.fromisoformat(row["checked_on"])
        assert checked.isoformat() == row["checked_on"]
        assert date(2020, 1, 1) <= checked <= date(2100, 1, 1)


# --- emergency numbers ----------------------------------------------------------------


def test_emergency_number_is_two_to_four_digits() -> None:
    for row in ROWS:
        code, number = row["country_code"], row["emergency_number"]
        assert number.isdigit(), code
        if (code, number) not in LONG_EMERGENCY_NUMBERS:
            assert 2 <= len(number) <= 4, code


def test_emergency_number_is_an_emergency_number_for_libphonenumber() -> None:
    """Catches a mistyped number; two right ones are missing from the library."""
    for row in ROWS:
        code, number = row["country_code"], row["emergency_number"]
        if (code, number) in NOT_IN_LIBPHONENUMBER_EMERGENCY:
            continue
        assert phonenumbers.is_emergency_number(number, code), code


def test_emergency_source_is_https() -> None:
    for row in ROWS:
        code, source = row["country_code"], row["emergency_source"]
        if code in NO_EMERGENCY_SOURCE_YET:
            assert source == "", f"{code} has a source now: drop it from NO_EMERGENCY_SOURCE_YET"
            continue
        assert source.startswith("https://"), code


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("US", "911"),
        ("GB", "999"),
        ("CA", "911"),
        ("AU", "000"),
        ("NZ", "111"),
        ("IN", "112"),
        ("PH", "911"),
        ("MY", "999"),
        ("AE", "999"),
        # Separate police and ambulance numbers: the police number comes first,
        # since danger from traffickers is a police matter.
        ("TH", "191"),
        ("CN", "110"),
        ("VN", "113"),
        ("IR", "110"),
        ("DE", "110"),
        ("FR", "17"),
        ("UA", "102"),
        ("JP", "110"),
        ("EG", "122"),
        ("BR", "190"),
        ("MX", "911"),
        ("NG", "112"),
        ("KE", "999"),
        ("ZA", "10111"),
        # Rows added on 2026-11-26.
        ("CZ", "158"),
        ("HR", "192"),
        ("LU", "113"),
        ("DK", "112"),
        ("SE", "112"),
        ("NO", "112"),
        ("JM", "119"),
        ("CU", "106"),
        ("DO", "911"),
        ("EC", "911"),
        ("BO", "110"),
        ("UY", "911"),
        ("DZ", "17"),
        ("TN", "197"),
        ("SN", "17"),
        ("UG", "999"),
        ("ET", "991"),
        ("ZW", "995"),
        ("NA", "10111"),
        ("MV", "119"),
        ("BN", "993"),
        ("MN", "102"),
    ],
)
def test_well_known_emergency_numbers(code: str, number: str) -> None:
    assert numbers_for(code).emergency == number


@pytest.mark.parametrize(
    ("code", "other"),
    [("TH", "1669"), ("CN", "120"), ("VN", "115"), ("CZ", "155"), ("JM", "110"), ("TN", "190")],
)
def test_note_gives_the_ambulance_number_where_police_comes_first(code: str, other: str) -> None:
    assert other in BY_CODE[code]["emergency_note"]


def test_unknown_country_falls_back_to_112() -> None:
    unknown = numbers_for("zz")
    assert unknown.emergency == INTERNATIONAL_EMERGENCY == "112"
    assert unknown.hotline == "112"
    assert unknown.crisis_line == "112"


def test_lookup_ignores_case() -> None:
    assert numbers_for("th") == numbers_for("TH")


# --- hotlines and crisis lines ----------------------------------------------------------


@pytest.mark.parametrize(("code", "column", "number"), _phones())
def test_phone_is_valid_for_its_country(code: str, column: str, number: str) -> None:
    if (code, number) in NOT_IN_LIBPHONENUMBER:
        digits = _SEPARATORS.sub("", number)
        assert digits.isdigit() and 3 <= len(digits) <= 9, number
        return
    parsed = phonenumbers.parse(number, code)
    if number.startswith("+"):
        # E.164, with the country's calling code (NANP toll-free numbers such as
        # Canada's +1 833 belong to no single region, so the region is not compared).
        assert re.fullmatch(r"\+\d{7,15}", number), number
        assert phonenumbers.is_valid_number(parsed), number
        assert parsed.country_code == phonenumbers.country_code_for_region(code), number
    else:
        # Written as dialled in the country: a full national number or a short code.
        valid = phonenumbers.is_valid_number(parsed)
        short = phonenumbers.is_valid_short_number_for_region(parsed, code)
        assert valid or short, f"{code} {column} {number}"


def test_no_stale_libphonenumber_exceptions() -> None:
    in_use = {(code, number) for code, _column, number in _phones()}
    assert NOT_IN_LIBPHONENUMBER - in_use == set()


def test_crisis_line_name_phone_and_source_go_together() -> None:
    for row in ROWS:
        code = row["country_code"]
        phone = row["crisis_line_phone"].strip()
        assert bool(phone) == bool(row["crisis_line_name"].strip()), code
        if phone:
            assert row["crisis_line_source"].startswith("https://"), code
        else:
            assert row["crisis_line_source"] == "", code


def test_hotline_phone_has_a_source() -> None:
    for row in ROWS:
        if row["hotline_phone"].strip():
            # Some stored pages were only fetched over plain http.
            assert re.match(r"https?://", row["hotline_source"]), row["country_code"]
        assert row["hotline_is_trafficking_specific"] in {"true", "false", ""}


def test_us_crisis_line_is_988() -> None:
    us = numbers_for("US")
    assert us.crisis_line == "988"
    assert "988" in us.crisis_line_name


@pytest.mark.parametrize("code", ["GB", "IE"])
def test_samaritans_in_the_uk_and_ireland(code: str) -> None:
    numbers = numbers_for(code)
    assert numbers.crisis_line == "116 123"
    assert "Samaritans" in numbers.crisis_line_name


def test_thailand_crisis_line_is_the_department_of_mental_health() -> None:
    assert numbers_for("TH").crisis_line == "1323"


def test_crisis_line_reads_like_the_hotline() -> None:
    de = numbers_for("DE")
    assert de.crisis_line_phone.startswith("+")
    assert de.crisis_line == readable_phone(de.crisis_line_phone) == "+49 800 1110111"


def test_crisis_line_falls_back_to_the_emergency_number() -> None:
    numbers = NationalNumbers(
        country_code="XX",
        emergency="999",
        hotline_name="",
        hotline_phone="",
        hotline_url="",
        checked_on="",
        source="",
    )
    assert numbers.crisis_line == "999"
    assert numbers.crisis_line_name == ""


def test_a_seed_file_without_crisis_columns_still_loads(tmp_path: Path) -> None:
    seed = tmp_path / "countries.csv"
    seed.write_text(
        "country_code,emergency_number,hotline_phone,checked_on\nxx,112,+18883737888,2026-01-01\n",
        encoding="utf-8",
    )
    loaded = _load(seed)["XX"]
    assert loaded.crisis_line == "112"
    assert loaded.hotline == "+1 888-373-7888"
