"""The amazement signal: "they always fix it" is said by a fan. Pure rules, no model.

An always-word ("always", "altijd", "immer", "sempre", "toujours", "siempre") with praise close by, and no negation
near it: "not always friendly", "toujours pas livré" and "immer noch nicht" are not praise. Dutch and German put
the verb before the adverb ("Sie helfen immer"), so praise counts a little before the always-word as well as after.
"""

from .corpus import LANGUAGE_MODULES
from .language import words

WORDS_AFTER = 5
WORDS_BEFORE = 3
NEGATION_WINDOW = 2  # words either side of the always-word where a negation cancels the signal


def _praise_at(tokens: list[str], start: int, end: int, stems: tuple[str, ...]) -> bool:
    window = tokens[max(start, 0) : end]
    joined = " ".join(window)
    for stem in stems:
        if " " in stem:
            if stem in joined:
                return True
        elif any(token.startswith(stem) for token in window):
            return True
    return False


def is_amazed(text: str, language: str) -> bool:
    """True when the text praises something as always good; the caller checks that the text is not negative."""
    languages = [language] if language in LANGUAGE_MODULES else list(LANGUAGE_MODULES)
    tokens = words(text)
    for code in languages:
        module = LANGUAGE_MODULES[code]
        for index, token in enumerate(tokens):
            if token not in module.ALWAYS:
                continue
            near = tokens[max(index - NEGATION_WINDOW, 0) : index + NEGATION_WINDOW + 1]
            if any(word in module.NEGATIONS for word in near):
                continue
            if _praise_at(tokens, index + 1, index + 1 + WORDS_AFTER, module.PRAISE_STEMS) or _praise_at(
                tokens, index - WORDS_BEFORE, index, module.PRAISE_STEMS
            ):
                return True
    return False
