"""The negative-experience head and the category index: small numpy models on top of the e5 vectors.

Two views of the same examples are averaged, because each fails differently on real texts:
  - a prototype direction: the mean complaint minus the mean of the rest (robust, cannot overfit), and
  - a logistic regression (uses every dimension, learns from the business's corrections).
Each language's mean vector is subtracted first, so that "is it a complaint" is not mixed up with "is it Dutch", and
the examples are weighted so that each language, and within it complaints and the rest, count the same.
Pure functions, no database: the shipped weights and a business's own head are both built with `fit_head`.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from .corpus import LANGUAGES

RECIPE = "balanced-lbfgs"  # how the head is fitted: part of the model version, so a new one retrains businesses' heads
L2 = 0.3  # strong: the examples are tidy sentences, real feedback is not; a smoother head is less overconfident
PLATT_L2 = 1e-3  # just enough to keep the slope finite when tidy examples separate perfectly
MAX_ITERATIONS = 1_000
MEMORY_SIMILARITY = 0.97  # cosine of e5 vectors: above it two texts say the same thing (a repeat, a typo fixed)
CATEGORY_MIN_SIMILARITY = 0.30  # cosine in the centred space: below it no category is close enough to suggest
CATEGORY_TOP = 2  # a category's score is the mean of its best matching examples


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def language_index(language: str) -> int:
    """Row of `centres`: one per language, the last for any other language."""
    return LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES)


@dataclass(frozen=True)
class SentimentHead:
    centres: np.ndarray  # (7, dim): mean vector per language, the last one over all languages
    direction: np.ndarray  # (dim,) prototype direction in the centred space
    direction_slope: float
    direction_intercept: float
    weights: np.ndarray  # (dim,) logistic regression
    bias: float

    def unit_features(self, vectors: np.ndarray, languages: list[str]) -> np.ndarray:
        """The vectors less their language's mean, of unit length: what the text says, not which language."""
        centred = vectors - self.centres[[language_index(language) for language in languages]]
        return centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)

    def features(self, vectors: np.ndarray, languages: list[str]) -> np.ndarray:
        # Scaled so that each input is about 1 in size, which suits the fixed L2 penalty and learning rate.
        return self.unit_features(vectors, languages) * np.sqrt(vectors.shape[1])

    def negative_probability(self, vectors: np.ndarray, languages: list[str]) -> np.ndarray:
        features = self.features(vectors, languages)
        prototype = self.direction_slope * (features @ self.direction) + self.direction_intercept
        regression = features @ self.weights + self.bias
        return _sigmoid((prototype + regression) / 2)


def balanced_weight(negative: np.ndarray, languages: list[str]) -> np.ndarray:
    """Per example, so that every language counts the same and, within it, complaints as much as the rest (mean 1).

    The examples are not written in the proportions real feedback comes in, and some languages have more of them;
    without this the head would learn the corpus's mix (and its largest language) rather than what a complaint is.
    """
    codes = np.array(languages)
    weight = np.zeros(len(negative))
    groups = [(codes == code) & (negative == label) for code in np.unique(codes) for label in (True, False)]
    for group in groups:
        if group.any():
            weight[group] = 1.0 / group.sum()
    return weight * len(weight) / weight.sum()


def _centres(vectors: np.ndarray, languages: list[str]) -> np.ndarray:
    rows = [vectors[[language == code for language in languages]] for code in LANGUAGES]
    means = [row.mean(axis=0) if len(row) else vectors.mean(axis=0) for row in rows]
    return np.vstack([*means, vectors.mean(axis=0)])


def _logistic(
    features: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    l2: float,
    start: tuple[np.ndarray, float] | None = None,
) -> tuple[np.ndarray, float]:
    """Weighted, L2-regularised logistic regression, solved to convergence (L-BFGS; no scikit-learn needed).

    Solved, not stepped: a fixed number of gradient steps from the shipped head left a business's head wherever the
    steps stopped, and heavy corrections made the steps overshoot. The answer no longer depends on the start, which
    only saves iterations.
    """
    features, target, weight = (np.asarray(a, dtype=np.float64) for a in (features, target, weight))
    total = weight.sum()
    initial = np.zeros(features.shape[1] + 1) if start is None else np.append(start[0], start[1]).astype(float)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coefficients, bias = theta[:-1], theta[-1]
        logits = features @ coefficients + bias
        loss = (weight * (np.logaddexp(0.0, logits) - target * logits)).sum() / total
        error = (_sigmoid(logits) - target) * weight / total
        gradient = np.append(features.T @ error + l2 * coefficients, error.sum())
        return float(loss + l2 / 2 * coefficients @ coefficients), gradient

    result = minimize(loss_and_gradient, initial, jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITERATIONS})
    return result.x[:-1], float(result.x[-1])


def fit_head(
    vectors: np.ndarray,
    negative: np.ndarray,
    languages: list[str],
    weight: np.ndarray | None = None,
    start: SentimentHead | None = None,
) -> SentimentHead:
    """Learn from labelled e5 vectors; `weight` lets a business's corrections count more than a shipped example.

    Retraining starts from the shipped head (`start`) and keeps its language means, so that category examples
    stay comparable.
    """
    weight = np.ones(len(negative)) if weight is None else weight
    target = negative.astype(float)
    centres = _centres(vectors, languages) if start is None else start.centres
    head = SentimentHead(centres, np.zeros(vectors.shape[1]), 0.0, 0.0, np.zeros(vectors.shape[1]), 0.0)
    features = head.features(vectors, languages)
    complaint = target > 0.5
    direction = np.average(features[complaint], axis=0, weights=weight[complaint]) - np.average(
        features[~complaint], axis=0, weights=weight[~complaint]
    )
    direction /= np.linalg.norm(direction)
    score = (features @ direction)[:, None]
    (slope,), intercept = _logistic(score, target, weight, PLATT_L2)
    coefficients, bias = _logistic(features, target, weight, L2, None if start is None else (start.weights, start.bias))
    return SentimentHead(centres, direction, float(slope), float(intercept), coefficients, float(bias))


@dataclass(frozen=True)
class CategoryIndex:
    """Example vectors per category key; a text gets the key whose examples it is closest to, if close enough."""

    keys: list[str]  # one per row of `vectors`
    vectors: np.ndarray  # unit vectors in the head's centred space (SentimentHead.unit_features)

    def suggest(self, vector: np.ndarray, allowed: set[str] | None = None) -> str | None:
        """The closest category, if close enough and part of the business's taxonomy (`allowed`, None for any).

        When the closest category is not in the taxonomy there is no suggestion: the next closest would be a guess.
        """
        if not self.keys:
            return None
        similarity = self.vectors @ vector
        best_key, best_score = None, CATEGORY_MIN_SIMILARITY
        for key in sorted(set(self.keys)):
            scores = np.sort(similarity[[k == key for k in self.keys]])[-CATEGORY_TOP:]
            if scores.mean() >= best_score:
                best_key, best_score = key, float(scores.mean())
        return best_key if allowed is None or best_key in allowed else None


@dataclass(frozen=True)
class Memory:
    """Texts an agent labelled by hand: a text that says the same again gets the same label."""

    vectors: np.ndarray  # (n, dim) e5 vectors
    labels: list[str]

    def recall(self, vector: np.ndarray) -> str | None:
        if not self.labels:
            return None
        similarity = self.vectors @ vector
        best = int(np.argmax(similarity))
        return self.labels[best] if similarity[best] >= MEMORY_SIMILARITY else None
