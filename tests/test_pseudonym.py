from bot.privacy.pseudonym import pseudonym_for


def test_stable_per_chat_and_unlinkable_without_the_key() -> None:
    first = pseudonym_for("telegram", 123456789, key=b"k1")
    assert first == pseudonym_for("telegram", "123456789", key=b"k1")
    assert first != pseudonym_for("telegram", 123456789, key=b"k2")
    assert first != pseudonym_for("console", 123456789, key=b"k1")
    assert "123456789" not in first
    assert len(first) == 64
