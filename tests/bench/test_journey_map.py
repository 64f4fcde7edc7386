"""The journey map benchmark's own helpers: COPY text, defaults, percentiles, texts."""

from __future__ import annotations

import json
import random

from bench.journey_map import Copier, analysed, copy_text, percentile, size_label
from feedback.models import Response


def unescape(text: str) -> str:
    """COPY's text format read back (the escapes copy_text writes)."""
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            char = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[next(chars)]
        out.append(char)
    return "".join(out)


def test_copy_text_escapes_what_copy_reads_specially():
    text = "tab\there\nnew line\r back\\slash"
    assert "\t" not in copy_text(text) and "\n" not in copy_text(text)
    assert unescape(copy_text(text)) == text
    assert copy_text(None) == r"\N"
    assert copy_text(True) == "t"
    assert json.loads(unescape(copy_text({"a": 'say "hi"\n'}))) == {"a": 'say "hi"\n'}


def test_copier_fills_every_column_not_given_with_its_default():
    copier = Copier(Response, ("id", "business_id", "uuid", "created_at", "survey_id"))
    columns = {f.column for f in Response._meta.concrete_fields}
    assert set(copier.columns) == columns
    # invitation_id (null), contact_requested (False), contact_email (""), ...
    defaults = copier.suffix.rstrip("\n").split("\t")[1:]
    assert len(defaults) == len(columns) - 5
    assert r"\N" in defaults and "f" in defaults


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 21)]
    assert percentile(values, 0.9) == 18.0
    assert percentile(values, 0.5) == 10.0
    assert size_label(500_000) == "500k" and size_label(1234) == "1234"


def test_explanations_point_at_words_of_their_text():
    from cxplatform.demo.comments import comment_for_score
    from textanalysis.analysis import AspectMatchers

    rng = random.Random(3)
    matchers = AspectMatchers([("wait_time", ["wait*", "queue*"])])
    for _ in range(50):
        said = analysed(comment_for_score(rng, rng.randrange(11)), matchers)
        text, explanation = unescape(said.text), json.loads(unescape(said.explanation))
        assert said.label in {"positive", "neutral", "negative", "unscored"}
        for start, end, _valence in explanation["words"]:
            word = text[start:end]
            assert word and word.strip() == word
