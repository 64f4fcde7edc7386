"""The business's look on the public survey pages: {% survey_look as look %}."""

from __future__ import annotations

from django import template

from accounts.branding import logo_url, survey_theme
from accounts.models import Business

register = template.Library()


@register.simple_tag(takes_context=True)
def survey_look(context) -> dict:
    """The page's business (its `business`, else its survey's), the theme's CSS custom
    properties (for body's style="") and the logo's URL."""
    business = context.get("business")
    if not isinstance(business, Business):
        business = getattr(context.get("survey"), "business", None)
    if not isinstance(business, Business):
        return {"business": None, "style": "", "logo_url": ""}
    return {
        "business": business,
        "style": survey_theme(business).css_properties,
        "logo_url": logo_url(business),
    }
