"""The owner's words on a survey page, marked with their language when the page is in
another (the browser asked for one the survey was not written in)."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def written_in(text: str, language: str) -> SafeString:
    """`text` escaped, in a <span lang="…"> when `language` (the survey's, when it is
    not the page's) is given: a screen reader then reads it in the right voice."""
    if not language:
        return conditional_escape(text)
    return format_html('<span lang="{}">{}</span>', language, text)


@register.filter
def written_list(texts: list[str], language: str) -> SafeString:
    """The texts, each as `written_in` gives it, joined with commas (a follow-up's
    condition quoting the owner's options)."""
    return format_html_join(", ", "{}", ((written_in(text, language),) for text in texts))
