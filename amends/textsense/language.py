"""Which of en, nl, de, it, fr, es a text is written in, or "other". Pure Python, no model download.

A naive Bayes over character trigrams learnt from the project's own example sentences (corpus/), plus each
language's function words, which decide most short texts on their own ("de", "het", "niet" against "der",
"die", "nicht"). When neither gives a clear answer, the text is "other".
"""

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache

from .corpus import LANGUAGE_MODULES, LANGUAGES

OTHER = "other"
MIN_LETTERS = 3
STOPWORD_WEIGHT = 2.5  # one function word of a language counts as much as this many nats of trigram evidence
MIN_MARGIN = 0.15  # nats per trigram between the best and the second language, when no function word decides
MIN_LATIN_SHARE = 0.5  # these six languages are written in Latin script
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _trigrams(text: str) -> list[str]:
    grams = []
    for word in words(text):
        padded = f" {word} "
        grams += [padded[i : i + 3] for i in range(len(padded) - 2)]
    return grams


@dataclass(frozen=True)
class LanguageModel:
    log_probs: dict[str, dict[str, float]]  # language -> trigram -> log P(trigram | language)
    unseen: dict[str, float]  # language -> log P of a trigram never seen in that language
    stopwords: dict[str, frozenset[str]]

    def scores(self, text: str) -> dict[str, float]:
        """Average log-likelihood per trigram, plus a bonus for each function word of the language."""
        grams = _trigrams(text)
        tokens = words(text)
        result = {}
        for language in self.log_probs:
            table, unseen = self.log_probs[language], self.unseen[language]
            likelihood = sum(table.get(gram, unseen) for gram in grams) / max(len(grams), 1)
            hits = sum(token in self.stopwords[language] for token in tokens)
            result[language] = likelihood + STOPWORD_WEIGHT * hits / max(len(tokens), 1)
        return result

    def identify(self, text: str, extra: dict[str, str] | None = None) -> str:
        if extra:
            # Texts an agent labelled by hand: the same text again gets the same language.
            known = extra.get(normalise(text))
            if known:
                return known
        letters = [char for char in text if char.isalpha()]
        if len(letters) < MIN_LETTERS:
            return OTHER
        latin = sum("LATIN" in unicodedata.name(char, "") for char in letters)
        if latin / len(letters) < MIN_LATIN_SHARE:
            return OTHER
        ranked = sorted(self.scores(text).items(), key=lambda item: item[1], reverse=True)
        (best, best_score), (_, second_score) = ranked[0], ranked[1]
        has_function_word = any(token in self.stopwords[best] for token in words(text))
        if best_score - second_score < MIN_MARGIN and not has_function_word:
            return OTHER
        return best


def normalise(text: str) -> str:
    return " ".join(words(text))


def _language_text(language: str) -> str:
    module = LANGUAGE_MODULES[language]
    sentences = [*module.COMPLAINT, *module.NEUTRAL, *module.PRAISE]
    sentences += [text for texts in module.CATEGORIES.values() for text in texts]
    return "\n".join([*sentences, module.FUNCTION_WORDS])


@cache
def language_model() -> LanguageModel:
    counts = {language: Counter(_trigrams(_language_text(language))) for language in LANGUAGES}
    vocabulary = len(set().union(*counts.values())) + 1
    log_probs, unseen = {}, {}
    for language, counter in counts.items():
        total = sum(counter.values()) + vocabulary  # add-one smoothing
        log_probs[language] = {gram: math.log((n + 1) / total) for gram, n in counter.items()}
        unseen[language] = math.log(1 / total)
    stopwords = {language: frozenset(LANGUAGE_MODULES[language].FUNCTION_WORDS.split()) for language in LANGUAGES}
    return LanguageModel(log_probs=log_probs, unseen=unseen, stopwords=stopwords)


def detect_language(text: str, extra: dict[str, str] | None = None) -> str:
    """en, nl, de, it, fr, es or "other"; `extra` maps normalised texts to languages an agent set by hand."""
    return language_model().identify(text, extra)
