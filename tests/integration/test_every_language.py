"""The skeleton's conversation in each of the twelve languages, through the real engine.

Someone who writes in their own language gets every answer in it: the model
understands them, and each reply comes from that language's catalog. The
language of each reply is checked by the offline detector the gateway uses,
not by comparing with the catalog, so an untranslated (English) reply fails.
"""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES
from bot.language_detection import detect_language
from tests.integration.conftest import Stack, replies

pytestmark = pytest.mark.integration

# hello / yes (safe to chat) / my employer took my passport and does not pay
# me / thank you / goodbye: everyday wording, not copied from the training data.
CONVERSATIONS: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("hello", "yes", "my boss took my passport and does not pay me", "thank you", "bye"),
    "es": ("hola", "sí", "mi jefe me quitó el pasaporte y no me paga", "gracias", "adiós"),
    "fr": (
        "bonjour",
        "oui",
        "mon patron a pris mon passeport et ne me paie pas",
        "merci",
        "au revoir",
    ),
    "pt": ("olá", "sim", "meu patrão pegou meu passaporte e não me paga", "obrigado", "tchau"),
    "ar": ("مرحبا", "نعم", "صاحب العمل أخذ جواز سفري ولا يدفع لي راتبي", "شكرا", "مع السلامة"),
    "fa": ("سلام", "بله", "کارفرما پاسپورتم را گرفته و حقوقم را نمی‌دهد", "ممنون", "خداحافظ"),
    "ru": ("привет", "да", "начальник забрал мой паспорт и не платит мне", "спасибо", "пока"),
    "uk": ("привіт", "так", "роботодавець забрав мій паспорт і не платить мені", "дякую", "бувай"),
    "th": ("สวัสดี", "ใช่", "นายจ้างยึดพาสปอร์ตของฉันและไม่จ่ายเงินเดือน", "ขอบคุณ", "ลาก่อน"),
    "vi": ("xin chào", "có", "chủ lấy hộ chiếu của tôi và không trả lương", "cảm ơn", "tạm biệt"),
    "tl": (
        "kumusta",
        "oo",
        "kinuha ng amo ko ang pasaporte ko at hindi ako binabayaran",
        "salamat",
        "paalam",
    ),
    "zh": ("你好", "是的", "老板拿走了我的护照，也不给我工资", "谢谢", "再见"),
}

EXPECTED = [
    ["greeting.welcome", "safety.check"],
    ["safety.safe"],
    ["report.acknowledge"],
    ["thanks.reply"],
    ["goodbye.reply"],
]


def test_every_language_has_a_conversation() -> None:
    assert set(CONVERSATIONS) == set(LANGUAGES)


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
def test_the_conversation_in_each_language(stack: Stack, language: str) -> None:
    turns = stack.chat(*CONVERSATIONS[language], user=f"speaker-{language}", language=language)
    assert [replies(turn) for turn in turns] == EXPECTED
    for turn in turns:
        assert turn["language"] == language
        for reply in turn["replies"]:
            # Buttons and numbers aside, the words are the person's language.
            assert detect_language(reply["text"]) == language, reply
