"""The examples Amends learns from, one module per language, all written by the project (free to ship).

Nothing here comes from a data set with use restrictions: the shipped head is trained on these sentences only.
"""

import hashlib
from dataclasses import dataclass
from types import ModuleType

from . import de, en, es, fr, it, nl

LANGUAGE_MODULES: dict[str, ModuleType] = {"en": en, "nl": nl, "de": de, "it": it, "fr": fr, "es": es}
LANGUAGES = tuple(LANGUAGE_MODULES)


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    negative: bool
    kind: str  # complaint, neutral or praise


def sentiment_examples() -> list[Example]:
    """Every complaint (negative) and every neutral or praising sentence (not negative), in a stable order."""
    examples = []
    for language, module in LANGUAGE_MODULES.items():
        for kind, texts in (("complaint", module.COMPLAINT), ("neutral", module.NEUTRAL), ("praise", module.PRAISE)):
            examples += [Example(text, language, kind == "complaint", kind) for text in texts]
    return examples


def category_examples_with_language() -> list[tuple[str, str, str]]:
    """(category key, language, example sentence) in every language."""
    return [
        (key, language, text)
        for language, module in LANGUAGE_MODULES.items()
        for key, texts in module.CATEGORIES.items()
        for text in texts
    ]


def fingerprint() -> str:
    """Changes whenever an example changes, so that shipped weights built from older examples are noticed."""
    digest = hashlib.sha256()
    for example in sentiment_examples():
        digest.update(f"s|{example.language}|{example.kind}|{example.text}\n".encode())
    for key, _, text in category_examples_with_language():
        digest.update(f"c|{key}|{text}\n".encode())
    return digest.hexdigest()[:12]
