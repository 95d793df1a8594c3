"""Read a text: language, probability of a negative experience, suggested category, amazement. No database here.

The shipped analyser comes from data/base.npz. A business's own analyser adds what its agents corrected: the head
is retrained with the corrected texts counting CORRECTION_WEIGHT times a shipped example, corrected categories
become examples of their category, and a text that says the same as a corrected one gets the corrected label.
"""

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from .amazement import is_amazed
from .corpus import fingerprint
from .embedding import MODEL_NAME, clean, embed
from .head import RECIPE, CategoryIndex, Memory, SentimentHead, balanced_weight, fit_head
from .language import OTHER, detect_language, normalise
from .training import BASE_PATH, head_arrays, head_from_arrays

CORRECTION_WEIGHT = 25.0  # one agent's correction outweighs many generic examples: it is this business's truth
NOT_NEGATIVE_BELOW = 0.5  # amazement needs a text that is not negative
DECIMALS = 3


class BaseWeightsOutdated(RuntimeError):
    """data/base.npz was built from other examples than corpus/ holds: run `amends textsense build`."""


@dataclass(frozen=True)
class Analysis:
    language: str
    negative: float
    alert: bool
    category: str | None
    amazement: bool

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "negative": self.negative,
            "alert": self.alert,
            "category": self.category,
            "amazement": self.amazement,
        }


@dataclass(frozen=True)
class Correction:
    text: str
    field: str  # negative, category or language
    value: str


@dataclass(frozen=True)
class Analyser:
    version: str
    head: SentimentHead
    categories: CategoryIndex
    negative_memory: Memory
    category_memory: Memory
    languages_by_text: dict[str, str] = field(default_factory=dict)

    def analyse(
        self, texts: Sequence[str], *, alert_threshold: float, categories: set[str] | None = None
    ) -> list[Analysis]:
        """One Analysis per text; `categories` is the business's taxonomy (None: every category known here)."""
        cleaned = [clean(text) for text in texts]
        present = [index for index, text in enumerate(cleaned) if text]
        results = [Analysis(OTHER, 0.0, False, None, False) for _ in texts]
        if not present:
            return results
        languages = [detect_language(cleaned[index], self.languages_by_text) for index in present]
        vectors = embed([cleaned[index] for index in present])
        negative = self.head.negative_probability(vectors, languages)
        units = self.head.unit_features(vectors, languages)
        for row, index in enumerate(present):
            probability = float(negative[row])
            remembered = self.negative_memory.recall(vectors[row])
            if remembered is not None:
                probability = 1.0 if remembered == "true" else 0.0
            category = self.category_memory.recall(vectors[row])
            if category is None or (categories is not None and category not in categories):
                category = self.categories.suggest(units[row], categories)
            probability = round(probability, DECIMALS)
            amazed = probability < NOT_NEGATIVE_BELOW and is_amazed(cleaned[index], languages[row])
            results[index] = Analysis(languages[row], probability, probability >= alert_threshold, category, amazed)
        return results


@dataclass(frozen=True)
class BaseWeights:
    vectors: np.ndarray
    negative: np.ndarray
    languages: list[str]
    categories: CategoryIndex
    head: SentimentHead


@cache
def base_weights() -> BaseWeights:
    with np.load(BASE_PATH) as stored:
        if str(stored["fingerprint"]) != fingerprint() or str(stored["model_name"]) != MODEL_NAME:
            raise BaseWeightsOutdated(f"{BASE_PATH} does not match the examples; run `amends textsense build`.")
        head = head_from_arrays(stored)
        category_languages = [str(code) for code in stored["category_languages"]]
        category_units = head.unit_features(stored["category_vectors"].astype(np.float32), category_languages)
        return BaseWeights(
            vectors=stored["vectors"].astype(np.float32),
            negative=stored["negative"].astype(bool),
            languages=[str(code) for code in stored["languages"]],
            categories=CategoryIndex([str(key) for key in stored["category_keys"]], category_units),
            head=head,
        )


def base_version() -> str:
    """The shipped model: the embedding, the examples and how the head is fitted on them."""
    return f"{MODEL_NAME}/{fingerprint()}/{RECIPE}"


@cache
def base_analyser() -> Analyser:
    weights = base_weights()
    empty = Memory(np.zeros((0, weights.vectors.shape[1]), dtype=np.float32), [])
    return Analyser(base_version(), weights.head, weights.categories, empty, empty)


def business_state(corrections: Sequence[Correction]) -> bytes:
    """Retrain on the shipped examples plus the corrections; the result, serialised, is the business's model."""
    weights = base_weights()
    by_field = {name: [c for c in corrections if c.field == name] for name in ("negative", "category", "language")}
    texts = {c.text: clean(c.text) for c in corrections if c.field in ("negative", "category")}
    unique = sorted(texts)
    vectors = embed([texts[text] for text in unique]) if unique else np.zeros((0, weights.vectors.shape[1]))
    vector_of = {text: vectors[row] for row, text in enumerate(unique)}
    negative_rows = [vector_of[c.text] for c in by_field["negative"]]
    negative_labels = [c.value for c in by_field["negative"]]
    head = weights.head
    if negative_rows:
        corrected_languages = [detect_language(texts[c.text]) for c in by_field["negative"]]
        corrected = np.array([label == "true" for label in negative_labels])
        # Balanced like the examples: corrections teach what a complaint looks like here, not how many there are
        # (agents correct misses and false alarms in no fixed mix, and a lopsided mix would mute or flood alerts).
        correction_weight = CORRECTION_WEIGHT * balanced_weight(corrected, corrected_languages)
        head = fit_head(
            np.vstack([weights.vectors, *negative_rows]),
            np.concatenate([weights.negative, corrected]),
            [*weights.languages, *corrected_languages],
            np.concatenate([balanced_weight(weights.negative, weights.languages), correction_weight]),
            start=weights.head,
        )
    category_rows = [vector_of[c.text] for c in by_field["category"]]
    arrays: dict[str, Any] = dict(
        base=np.array(base_version()),
        negative_vectors=np.array(negative_rows, dtype=np.float32).reshape(-1, weights.vectors.shape[1]),
        negative_labels=np.array(negative_labels, dtype=str),
        category_vectors=np.array(category_rows, dtype=np.float32).reshape(-1, weights.vectors.shape[1]),
        category_labels=np.array([c.value for c in by_field["category"]], dtype=str),
        category_languages=np.array([detect_language(texts[c.text]) for c in by_field["category"]], dtype=str),
        languages_by_text=np.array(json.dumps({normalise(c.text): c.value for c in by_field["language"]})),
        **head_arrays(head),
    )
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def business_analyser(state: bytes, version: str) -> Analyser:
    """The analyser a business's corrections made; falls back to the shipped one if the base has changed since."""
    weights = base_weights()
    with np.load(io.BytesIO(state)) as stored:
        if str(stored["base"]) != base_version():
            return base_analyser()
        head = head_from_arrays(stored)
        category_labels = [str(label) for label in stored["category_labels"]]
        category_vectors = stored["category_vectors"]
        extra_units = head.unit_features(category_vectors, [str(code) for code in stored["category_languages"]])
        keys = [*weights.categories.keys, *category_labels]
        return Analyser(
            version=version,
            head=head,
            categories=CategoryIndex(keys, np.vstack([weights.categories.vectors, extra_units])),
            negative_memory=Memory(stored["negative_vectors"], [str(label) for label in stored["negative_labels"]]),
            category_memory=Memory(category_vectors, category_labels),
            languages_by_text=json.loads(str(stored["languages_by_text"])),
        )
