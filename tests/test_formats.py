"""Values inside messages in the reader's language: dates, opening hours, languages."""

from __future__ import annotations

from bot.presenter import render


def test_a_card_joins_its_lines_and_shows_ngo_text_as_written() -> None:
    card = {
        "key": "services.card",
        "args": {"name": "Baan Safe"},
        "lines": [
            {"text": "Shelter for women and children."},
            {"key": "services.card.phone", "args": {"phone": "+66 2 123 4567"}},
            {"key": "services.card.no_such_line"},
            {"key": "services.card.verified", "args": {"date": {"date": "2026-10-01"}}},
        ],
    }
    reply = render(card, "en", {})
    assert reply is not None
    assert reply.text.splitlines() == [
        "Baan Safe",
        "Shelter for women and children.",
        "Phone: +66 2 123 4567",
        "Last checked: October 1, 2026",
    ]


def test_dates_hours_and_language_names_follow_the_reader() -> None:
    hours = {
        "weekly": [
            ["MO", "09:00", "17:00"],
            ["TU", "09:00", "17:00"],
            ["WE", "09:00", "17:00"],
            ["SA", "10:00", "14:00"],
        ]
    }
    line = {"key": "services.card.hours", "args": {"hours": hours}}
    english = render({"key": "services.card", "args": {"name": "X"}, "lines": [line]}, "en", {})
    assert english is not None
    assert english.text.splitlines()[1] == "Hours: Mon–Wed 09:00–17:00; Sat 10:00–14:00"
    langs = {"key": "services.card.languages", "args": {"languages": {"languages": ["th", "en"]}}}
    thai = render({"key": "services.card", "args": {"name": "X"}, "lines": [langs]}, "th", {})
    assert thai is not None
    assert "ไทย" in thai.text and "อังกฤษ" in thai.text
    spanish = render(
        {"key": "services.card.verified", "args": {"date": {"date": "2026-10-01"}}}, "es", {}
    )
    assert spanish is not None
    assert "octubre" in spanish.text


def test_a_nested_message_is_translated_with_its_own_arguments() -> None:
    nested = {"key": "services.card.distance", "args": {"distance": 3}}
    reply = render({"key": "services.card", "args": {"name": nested}}, "en", {})
    assert reply is not None
    assert reply.text == "About 3 km away"


def test_split_shifts_are_kept() -> None:
    hours = {
        "weekly": [
            ["MO", "09:00", "12:00"],
            ["MO", "13:00", "17:00"],
            ["TU", "09:00", "12:00"],
            ["TU", "13:00", "17:00"],
        ]
    }
    line = {"key": "services.card.hours", "args": {"hours": hours}}
    reply = render({"key": "services.card", "args": {"name": "X"}, "lines": [line]}, "en", {})
    assert reply is not None
    assert reply.text.splitlines()[1] == "Hours: Mon–Tue 09:00–12:00, 13:00–17:00"
