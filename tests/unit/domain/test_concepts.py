from __future__ import annotations

from app.domain.challenge import Concept
from app.domain.concepts import score_explanation

CONCEPTS = (
    Concept("memory of earlier steps", ("remember", "memory", "earlier")),
    Concept("gates", ("gate", "forget gate")),
    Concept("final hidden state", ("final hidden", "last hidden")),
)


def test_counts_covered_concepts_and_names_missed_ones() -> None:
    score = score_explanation("Its gates decide what to remember.", CONCEPTS)
    assert score.summary == "You got 2/3 concepts."
    assert score.missed == ("final hidden state",)


def test_stemming_matches_other_word_forms() -> None:
    score = score_explanation("It remembers things; gating helps", CONCEPTS)
    assert "memory of earlier steps" in score.covered
    assert "gates" in score.covered


def test_synonyms_count() -> None:
    score = score_explanation("It retains information from previous tokens.", CONCEPTS)
    assert score.covered == ("memory of earlier steps",)


def test_phrases_must_be_consecutive() -> None:
    assert (
        score_explanation("the hidden layer is final", CONCEPTS).missed[-1] == "final hidden state"
    )
    assert "final hidden state" in score_explanation("the final hidden state", CONCEPTS).covered


def test_hyphenated_keywords_match_either_way() -> None:
    concept = (Concept("long range", ("long-term",)),)
    assert score_explanation("long term memory", concept).covered
    assert score_explanation("longterm memory", concept).covered
