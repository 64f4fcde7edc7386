"""The content security policy of the app's own pages (django-csp), the templates that
must keep fitting it, the survey embed's own frame-ancestors, and the API docs.

The browser side (no violation on the real pages, framing by a listed site or not) is
in tests/e2e/test_csp.py."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SHOP = "https://www.alices-cafe.example"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(reply) -> dict[str, str]:
    header = reply["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


# --- Templates: no inline script, no on*= handler, no <style> element ------------------


class InlineCode(HTMLParser):
    """What a strict script-src / style-src refuses, found in a template's markup:
    <script> without src, on*= handler attributes, javascript: links, <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        line = self.getpos()[0]
        if tag == "script" and "src" not in names:
            self.found.append(f"line {line}: <script> without src")
        if tag == "style":
            self.found.append(f"line {line}: <style> element")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"line {line}: {name}= handler on <{tag}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"line {line}: javascript: URL in {name}")


def inline_code(markup: str) -> list[str]:
    parser = InlineCode()
    parser.feed(markup)
    parser.close()
    return parser.found


def test_the_checker_finds_each_kind_of_inline_code():
    markup = """<p>ok</p><script>alert(1)</script><script src="/static/a.js" defer></script>
    <button onclick="go()">Go</button><a href=" JavaScript:void(0)">x</a>
    <style>p{}</style><img src=x onError=alert(1)>"""
    assert [problem.split(": ", 1)[1] for problem in inline_code(markup)] == [
        "<script> without src",
        "onclick= handler on <button>",
        "javascript: URL in href",
        "<style> element",
        "onerror= handler on <img>",
    ]


def app_templates() -> list[Path]:
    # E-mails are read in mail programs, never under the policy.
    return sorted(p for p in TEMPLATES.rglob("*.html") if "emails" not in p.parts)


def test_there_are_templates_to_check():
    assert len(app_templates()) > 50


@pytest.mark.parametrize("template", app_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_code(template):
    assert inline_code(template.read_text()) == []


# --- The policy on pages --------------------------------------------------------------


def test_every_page_gets_the_policy(alice, business_a, client_of):
    for reply in [
        Client().get("/accounts/login/"),
        client_of(alice).get("/dashboard/"),
        Client().get("/no-such-page/"),
    ]:
        assert directives(reply) == POLICY
        assert reply["X-Frame-Options"] == "DENY"


def test_the_policy_names_no_unsafe_source_for_scripts():
    policy = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert not {"'unsafe-eval'", "'unsafe-inline'"} & set(policy["default-src"])


def test_connect_with_google_may_leave_for_googles_consent_page(tmp_path):
    """The form posts to us and we redirect to Google: browsers hold that redirect to
    form-action, so Google's origin is added when the client is configured."""
    from tests.security.test_hardening_deploy import settings_in_subprocess

    configured = settings_in_subprocess(
        tmp_path, ["CONTENT_SECURITY_POLICY"], GOOGLE_OAUTH_CLIENT_ID="client-1"
    )
    not_configured = settings_in_subprocess(tmp_path, ["CONTENT_SECURITY_POLICY"])
    form_action = "form-action"
    assert configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"][form_action] == [
        "'self'",
        "https://accounts.google.com",
    ]
    assert not_configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"][form_action] == ["'self'"]


# --- The survey embed -----------------------------------------------------------------


@pytest.fixture
def embeddable(survey_a):
    survey_a.embed_origins = [SHOP, "https://shop.example:8443"]
    survey_a.save()
    return survey_a


def test_the_embed_has_one_policy_framed_by_exactly_the_listed_sites(embeddable):
    reply = Client().get(f"/s/{embeddable.uuid}/embed/")
    assert reply.status_code == 200
    assert directives(reply) == {
        **POLICY,
        "frame-ancestors": f"{SHOP} https://shop.example:8443",
    }
    assert "X-Frame-Options" not in reply


def test_the_embed_thanks_page_and_a_refused_post_keep_the_same_frame_ancestors(embeddable):
    thanks = Client().get(f"/s/{embeddable.uuid}/embed/thanks/")
    refused = Client().post(f"/s/{embeddable.uuid}/embed/", {}, HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    for reply in (thanks, refused):
        assert directives(reply)["frame-ancestors"] == f"{SHOP} https://shop.example:8443"
        assert "X-Frame-Options" not in reply


def test_an_embed_without_listed_sites_may_be_framed_by_nobody(survey_a):
    reply = Client().get(f"/s/{survey_a.uuid}/embed/")
    assert directives(reply)["frame-ancestors"] == "'none'"


def test_the_businesss_sites_never_leak_into_another_surveys_embed(embeddable, survey_b):
    reply = Client().get(f"/s/{survey_b.uuid}/embed/")
    assert directives(reply)["frame-ancestors"] == "'none'"


def test_the_full_survey_page_is_not_frameable(embeddable):
    reply = Client().get(f"/s/{embeddable.uuid}/")
    assert reply["X-Frame-Options"] == "DENY"
    assert directives(reply)["frame-ancestors"] == "'none'"


# --- The API docs ---------------------------------------------------------------------


def test_the_api_docs_page_has_no_inline_code_and_no_exception_to_the_policy(db):
    reply = Client().get("/api/docs/")
    assert reply.status_code == 200
    assert inline_code(reply.content.decode()) == []
    assert directives(reply) == POLICY


def test_the_api_docs_script_is_served_by_the_app_as_javascript(db):
    reply = Client().get("/api/docs/?script=")
    assert reply.status_code == 200
    assert reply["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in reply.content
    assert b"validator.swagger.io" not in reply.content
    assert b'"validatorUrl": null' in reply.content
