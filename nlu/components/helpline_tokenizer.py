"""A whitespace tokenizer that works for every script the helpline reads.

Rasa's WhitespaceTokenizer drops any token made only of characters from
U+24C2 to U+1F251, which it takes for emoji: that range holds every Chinese,
Japanese and Korean character, so "中文 please" reached the model as
"please". This tokenizer removes real emoji only, and makes each CJK
ideograph a token of its own, since Chinese is written without spaces;
character n-grams then see words, and entities can be annotated.

Thai runs stay whole tokens (splitting Thai words needs a dictionary); the
character n-gram featurizer reads inside them.

Arabic-script letters that people type interchangeably (Persian on an Arabic
keyboard: ي ك for ی ک; alef with or without hamza; ta marbuta; tatweel;
short vowels) are folded to one form first, as the crisis lexicon does
(bot/safety/lexicon.py), so one spelling learnt is every spelling known.
Persian verb prefixes are written three ways: with a zero-width non-joiner
(می‌خوام), joined (میخوام) or with a space (می خوام). All three become the
joined form, the one most people type on a phone.

Runs inside .venv-rasa; Rasa finds it because it starts in nlu/.
"""

from typing import Any, Dict, List, Text

import regex
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f\u20e3]+")
ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Farsi yeh
        "\u0649": "\u06cc",  # alef maqsura -> Farsi yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0629": "\u0647",  # ta marbuta -> heh
        "\u0640": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner: می‌خوام -> میخوام
    }
)
HARAKAT = regex.compile("[\u064b-\u065f\u0670]")
# "می خوام", "نمی دونم": the present-tense prefix joined to its verb.
PERSIAN_PREFIX = regex.compile(r"(?<![\p{L}\p{M}])(ن?می)\s+(?=\p{Arabic})")
CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")

# Rasa's own rules for which punctuation separates words (WhitespaceTokenizer).
_NOT_WORD = regex.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HelplineTokenizer(WhitespaceTokenizer):
    @staticmethod
    def not_supported_languages() -> None:
        return None

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.emoji_pattern = EMOJI

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = HARAKAT.sub("", message.get(attribute).translate(ARABIC_FOLD))
        text = PERSIAN_PREFIX.sub(r"\1", text)
        spaced = CJK.sub(lambda match: f" {match.group(0)} ", text)
        words = _NOT_WORD.sub(" ", spaced).split()
        words = [word for word in (self.remove_emoji(w) for w in words) if word]
        if not words:
            words = [text]
        # Offsets are found in the original text, so entities keep their spans.
        tokens = self._convert_words_to_tokens(words, text)
        return self._apply_token_pattern(tokens)
