"""`make bench-textsense`: quality and speed of the text model on labelled feedback, per language (issue Detect, 9).

Reads ../shared/data/text/feedback_sentiment_dev.tsv (columns text, label, lang, source) at run time. Its terms
allow evaluation and development only, so it is never copied into the repository and nothing shipped is trained on
it: the shipped model learns from the project's own sentences (amends/textsense/corpus/).

For each language it prints, on a random sample of `--sample` texts per language (0 = all):
  - F1 of the negative class when "negative" means a probability of at least 0.5,
  - precision, recall and F1 at the alert threshold (AMENDS_TEXTSENSE_ALERT_THRESHOLD),
  - how often the language was identified correctly,
and the texts per second the whole analysis sustains (clean, identify, embed, score, suggest) on this machine.
With `--corrections N` it then plays a business whose agents labelled N other texts per language (drawn apart from
the sample, so nothing is scored on what it learnt from), retrains that business's head the way the worker does,
and prints the table again. Those labels live only in memory for the run; nothing shipped learns from them.
Targets: F1 >= 0.80 for en and nl, >= 0.60 for de, fr, it, es; precision >= 0.70 at the alert threshold.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "text" / "feedback_sentiment_dev.tsv"
LANGUAGES = ("en", "nl", "de", "fr", "it", "es")
F1_TARGETS = {"en": 0.80, "nl": 0.80, "de": 0.60, "fr": 0.60, "it": 0.60, "es": 0.60}
PRECISION_TARGET = 0.70
DECISION = 0.5
_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Row:
    text: str
    negative: bool
    language: str


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.textsense_quality", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the labelled TSV")
    parser.add_argument("--sample", type=int, default=1000, help="texts per language, 0 for all (~10 minutes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=None, help="alert threshold (default: the setting)")
    parser.add_argument("--languages", default=",".join(LANGUAGES), help="comma-separated, e.g. de,nl")
    parser.add_argument("--corrections", type=int, default=0, help="texts per language an agent labels, then again")
    return parser.parse_args(argv)


def load_rows(path: Path) -> list[Row]:
    csv.field_size_limit(1 << 20)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        # The file keeps some characters as literal \\uXXXX escapes; the customer typed the character.
        return [
            Row(_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), r["text"]), r["label"] == "negative", r["lang"])
            for r in reader
        ]


def sample_rows(
    rows: list[Row], per_language: int, seed: int, languages: Sequence[str] = LANGUAGES, apart_from: Sequence[Row] = ()
) -> list[Row]:
    rng = random.Random(seed)
    taken = {id(row) for row in apart_from}
    chosen: list[Row] = []
    for language in languages:
        pool = [row for row in rows if row.language == language and id(row) not in taken]
        chosen += pool if per_language <= 0 or per_language >= len(pool) else rng.sample(pool, per_language)
    return chosen


def scores(predicted: list[bool], actual: list[bool]) -> Scores:
    true_positive = sum(p and a for p, a in zip(predicted, actual, strict=True))
    precision = true_positive / max(sum(predicted), 1)
    recall = true_positive / max(sum(actual), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1)


def table(rows: list[Row], results: list, threshold: float) -> tuple[list[str], bool]:
    header = f"{'lang':<5}{'n':>6}{'neg':>6}{'F1@0.5':>8}{'P@alert':>9}{'R@alert':>9}{'F1@alert':>10}{'lang acc':>10}"
    lines = [header + "  targets"]
    all_met = True
    for language in LANGUAGES:
        pairs = [(row, result) for row, result in zip(rows, results, strict=True) if row.language == language]
        if not pairs:
            continue
        actual = [row.negative for row, _ in pairs]
        decided = scores([result.negative >= DECISION for _, result in pairs], actual)
        alerted = scores([result.alert for _, result in pairs], actual)
        accuracy = sum(result.language == language for _, result in pairs) / len(pairs)
        met = decided.f1 >= F1_TARGETS[language] and alerted.precision >= PRECISION_TARGET
        all_met &= met
        lines.append(
            f"{language:<5}{len(pairs):>6}{sum(actual):>6}{decided.f1:>8.3f}{alerted.precision:>9.3f}"
            f"{alerted.recall:>9.3f}{alerted.f1:>10.3f}{accuracy:>10.3f}  "
            f"F1>={F1_TARGETS[language]:.2f} P>={PRECISION_TARGET:.2f}: {'met' if met else 'NOT met'}"
        )
    return lines, all_met


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.data.exists():
        print(f"No data at {args.data}: the shared data folder sits next to the repository.", file=sys.stderr)
        return 1
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amends.config.settings")
    import django

    django.setup()
    from django.conf import settings

    from amends.textsense.analyser import Correction, base_analyser, business_analyser, business_state

    threshold = args.threshold if args.threshold is not None else settings.AMENDS_TEXTSENSE_ALERT_THRESHOLD
    languages = [code.strip() for code in args.languages.split(",") if code.strip() in LANGUAGES]
    every_row = load_rows(args.data)
    rows = sample_rows(every_row, args.sample, args.seed, languages)
    analyser = base_analyser()
    analyser.analyse(["warm-up"], alert_threshold=threshold)
    started = time.perf_counter()
    results = analyser.analyse([row.text for row in rows], alert_threshold=threshold)
    elapsed = time.perf_counter() - started
    per_language = args.sample or "all"
    print(f"sample: {len(rows)} texts ({per_language} per language, seed {args.seed}); model {analyser.version}")
    print(f"alert threshold: {threshold}")
    lines, all_met = table(rows, results, threshold)
    print("\n".join(lines))
    print(f"speed: {len(rows) / elapsed:.1f} texts/s ({elapsed:.1f} s, {os.cpu_count()} cores)")
    print("all targets met" if all_met else "some targets NOT met")
    if args.corrections > 0:
        labelled = sample_rows(every_row, args.corrections, args.seed + 1, languages, apart_from=rows)
        corrections = [Correction(row.text, "negative", "true" if row.negative else "false") for row in labelled]
        started = time.perf_counter()
        business = business_analyser(business_state(corrections), "bench")
        retrained = time.perf_counter() - started
        after = business.analyse([row.text for row in rows], alert_threshold=threshold)
        print(
            f"\nafter an agent labelled {args.corrections} other texts per language (retrained in {retrained:.1f} s):"
        )
        print("\n".join(table(rows, after, threshold)[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
