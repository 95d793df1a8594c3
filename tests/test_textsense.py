"""The text model on sentences written for these tests: language, negative experience, category, amazement, and the
`amends textsense classify` command. Nothing here reads the research data set (that is bench/textsense_quality.py).
"""

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from amends.textsense.amazement import is_amazed
from amends.textsense.analyser import Analysis, base_analyser, base_weights
from amends.textsense.embedding import clean
from amends.textsense.head import balanced_weight, fit_head
from amends.textsense.language import detect_language

THRESHOLD = 0.9


def analyse(*texts: str, categories: set[str] | None = None) -> list[Analysis]:
    return base_analyser().analyse(list(texts), alert_threshold=THRESHOLD, categories=categories)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The hotel staff forgot our booking and nobody apologised.", "en"),
        ("Wij hebben heerlijk gegeten en de bediening was erg vriendelijk.", "nl"),
        ("Die Lieferung kam pünktlich und der Fahrer war sehr nett.", "de"),
        ("Il treno è partito con un'ora di ritardo e nessuno ci ha avvisato.", "it"),
        ("Nous avons attendu le livreur toute la journée sans nouvelles.", "fr"),
        ("La habitación estaba limpia y el desayuno era estupendo.", "es"),
        ("ホテルはとても良かったです", "other"),
        ("ok", "other"),
        ("👍👍", "other"),
    ],
)
def test_the_language_is_one_of_six_or_other(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_a_language_set_by_hand_is_remembered_for_the_same_text() -> None:
    assert detect_language("Top, merci!", {"top merci": "nl"}) == "nl"


COMPLAINTS = [
    "I ordered a sofa in May and it still has not been delivered, and nobody answers my emails.",
    "Ons pakket lag kapot voor de deur en de klantenservice hangt gewoon op.",
    "Das Zimmer war schmutzig und an der Rezeption hat man uns angeschrien.",
    "Il volo è stato cancellato all'ultimo momento e ci hanno lasciati senza assistenza.",
    "La commande est arrivée incomplète et on refuse de me rembourser.",
    "El técnico no vino y perdí un día entero de trabajo esperando.",
]
PRAISE = [
    "The courier was early, friendly and even carried the box upstairs. Thank you!",
    "Wat een fijne kamer en wat een aardig personeel, wij komen zeker terug.",
    "Der Service war hervorragend und das Essen einfach köstlich.",
    "Personale gentilissimo e camera perfetta, consigliato a tutti.",
    "Un accueil chaleureux et un repas délicieux, merci à toute l'équipe.",
    "Nos atendieron genial y la comida estaba riquísima.",
]


def test_clear_complaints_score_high_and_praise_low_in_all_six_languages() -> None:
    results = analyse(*COMPLAINTS, *PRAISE)
    complaints, praise = results[: len(COMPLAINTS)], results[len(COMPLAINTS) :]
    assert [r.language for r in complaints] == ["en", "nl", "de", "it", "fr", "es"]
    assert all(r.negative >= 0.7 for r in complaints), [r.negative for r in complaints]
    assert all(r.negative < 0.5 for r in praise), [r.negative for r in praise]
    assert all(r.alert == (r.negative >= THRESHOLD) for r in results)
    assert not any(r.alert for r in praise)


def test_an_empty_text_is_not_negative_and_costs_no_model_call() -> None:
    assert analyse("   ") == [Analysis("other", 0.0, False, None, False)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("They always fix it the same day, great service.", "en"),
        ("Ze zijn altijd heel vriendelijk en behulpzaam.", "nl"),
        ("Sie helfen immer sofort, einfach toll.", "de"),
        ("Sono sempre gentilissimi con noi.", "it"),
        ("L'équipe est toujours aimable et efficace.", "fr"),
        ("Siempre nos atienden con una sonrisa.", "es"),
    ],
)
def test_always_followed_by_praise_is_amazement(text: str, language: str) -> None:
    assert is_amazed(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The staff are not always friendly.", "en"),
        ("The train is always late.", "en"),
        ("Nog altijd niet geleverd, en toch zo vriendelijk aan de telefoon.", "nl"),
        ("Ich warte immer noch, obwohl alle so nett tun.", "de"),
        ("Toujours pas livré, malgré un service client aimable.", "fr"),
        ("Non sempre sono gentili.", "it"),
        ("The staff were friendly.", "en"),
    ],
)
def test_negated_or_unrelated_always_is_no_amazement(text: str, language: str) -> None:
    assert not is_amazed(text, language)


def test_amazement_needs_a_text_that_is_not_negative() -> None:
    fan, unhappy = analyse(
        "They always fix it right away, I love this shop.",
        "The printer broke again and I am furious, even if they always sort it out nicely in the end.",
    )
    assert fan.amazement is True
    assert unhappy.negative >= 0.5 and unhappy.amazement is False


def test_a_category_is_suggested_from_the_taxonomy_or_none() -> None:
    parcel, room, waiter, question = analyse(
        "Mijn pakket is nooit bezorgd.",
        "The bathroom was filthy and the towels smelled.",
        "Der Kellner war sehr unhöflich zu uns.",
        "What time does the museum open on Sunday?",
    )
    assert (parcel.category, room.category, waiter.category, question.category) == (
        "delivery",
        "cleanliness",
        "staff_behaviour",
        None,
    )


def test_only_categories_of_the_business_taxonomy_are_suggested() -> None:
    (parcel,) = analyse("Mijn pakket is nooit bezorgd.", categories={"billing", "cleanliness"})
    assert parcel.category is None


def test_the_shipped_weights_were_built_from_the_examples_in_the_repository() -> None:
    # Fails with BaseWeightsOutdated after an example changed: run `amends textsense build`.
    assert len(base_weights().negative) > 1000


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("RT @bahn: Zug fällt aus http", "Zug fällt aus"),
        ("Look at https://t.co/abc and www.example.com &amp; more", "Look at and & more"),
        ("cut short https:/…", "cut short"),
        ("RTL zeigt heute #Fußball", "RTL zeigt heute Fußball"),
    ],
)
def test_links_handles_and_retweet_marks_are_not_part_of_the_text(text: str, cleaned: str) -> None:
    assert clean(text) == cleaned


def test_each_language_and_within_it_each_class_weigh_the_same() -> None:
    negative = np.array([True, False, False, False, True, True, False])
    languages = ["de", "de", "de", "de", "nl", "nl", "nl"]
    weight = balanced_weight(negative, languages)
    assert weight.mean() == pytest.approx(1.0)
    codes = np.array(languages)
    sums = [weight[(codes == code) & (negative == label)].sum() for code in ("de", "nl") for label in (True, False)]
    assert max(sums) == pytest.approx(min(sums))


def test_a_head_is_solved_so_a_retrained_head_does_not_depend_on_where_it_started() -> None:
    shipped = base_weights()
    # Corrections that contradict the shipped examples, and weigh 25 times as much, as a business's agents' can.
    corrected = np.arange(0, len(shipped.vectors), 10)
    vectors = np.vstack([shipped.vectors, shipped.vectors[corrected]])
    negative = np.concatenate([shipped.negative, ~shipped.negative[corrected]])
    languages = [*shipped.languages, *(shipped.languages[row] for row in corrected)]
    weight = np.concatenate([balanced_weight(shipped.negative, shipped.languages), np.full(len(corrected), 25.0)])
    from_shipped = fit_head(vectors, negative, languages, weight, start=shipped.head)
    far_away = dataclasses.replace(shipped.head, weights=-shipped.head.weights, bias=3.0)
    from_far_away = fit_head(vectors, negative, languages, weight, start=far_away)
    assert np.allclose(from_shipped.weights, from_far_away.weights, atol=1e-3)
    assert from_shipped.bias == pytest.approx(from_far_away.bias, abs=1e-3)


def classify(settings: Any, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    settings.AMENDS_TEXTSENSE_ALERT_THRESHOLD = 0.5
    call_command("textsense", "classify", *args)
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.django_db
def test_classify_writes_one_json_object_per_line_of_the_file(
    tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("Het pakket kwam een week te laat en was kapot.\n\nThe staff are always so helpful!\n")
    late, empty, fan = classify(settings, capsys, str(source))
    assert set(late) == {"language", "negative", "alert", "category", "amazement"}
    assert late["language"] == "nl" and late["negative"] >= 0.5 and late["alert"] is True
    assert late["category"] in {"delivery", "delay"}
    assert empty == {"language": "other", "negative": 0.0, "alert": False, "category": None, "amazement": False}
    assert fan["amazement"] is True and fan["alert"] is False


@pytest.mark.django_db
def test_classify_reads_standard_input_without_a_file(
    settings: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Il cameriere era maleducato.\n"))
    (result,) = classify(settings, capsys)
    assert result["language"] == "it" and result["alert"] is True
