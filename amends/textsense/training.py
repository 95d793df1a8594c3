"""Build the shipped weights (amends/textsense/data/base.npz) from the project's own examples in corpus/.

Run `amends textsense build` after changing an example; a test fails while the shipped file is older than the
examples. The file holds the e5 vectors of the examples too, so that a business's head can be retrained with its
corrections without embedding the examples again.
"""

import io
from pathlib import Path
from typing import Any

import numpy as np

from . import corpus
from .embedding import MODEL_NAME, embed
from .head import SentimentHead, balanced_weight, fit_head

BASE_PATH = Path(__file__).resolve().parent / "data" / "base.npz"
HEAD_FIELDS = ("centres", "direction", "direction_slope", "direction_intercept", "weights", "bias")


def head_arrays(head: SentimentHead, prefix: str = "head_") -> dict[str, np.ndarray]:
    return {prefix + field: np.asarray(getattr(head, field)) for field in HEAD_FIELDS}


def head_from_arrays(arrays: dict[str, np.ndarray] | np.lib.npyio.NpzFile, prefix: str = "head_") -> SentimentHead:
    values = {field: arrays[prefix + field] for field in HEAD_FIELDS}
    return SentimentHead(
        centres=values["centres"].astype(np.float32),
        direction=values["direction"].astype(np.float32),
        direction_slope=float(values["direction_slope"]),
        direction_intercept=float(values["direction_intercept"]),
        weights=values["weights"].astype(np.float32),
        bias=float(values["bias"]),
    )


def build_base(path: Path = BASE_PATH) -> dict[str, int]:
    """Embed every example, fit the head, and write the weights file; returns how many examples went in."""
    examples = corpus.sentiment_examples()
    vectors = embed([example.text for example in examples])
    negative = np.array([example.negative for example in examples])
    languages = [example.language for example in examples]
    head = fit_head(vectors, negative, languages, balanced_weight(negative, languages))
    category_rows = corpus.category_examples_with_language()
    category_vectors = embed([text for _, _, text in category_rows])
    arrays: dict[str, Any] = dict(
        fingerprint=np.array(corpus.fingerprint()),
        model_name=np.array(MODEL_NAME),
        vectors=vectors.astype(np.float16),
        negative=negative,
        languages=np.array(languages),
        category_keys=np.array([key for key, _, _ in category_rows]),
        category_languages=np.array([language for _, language, _ in category_rows]),
        category_vectors=category_vectors.astype(np.float16),
        **head_arrays(head),
    )
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return {"examples": len(examples), "category_examples": len(category_rows)}
