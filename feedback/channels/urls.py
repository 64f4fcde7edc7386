from __future__ import annotations

from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("surveys/<uuid:survey_uuid>/share/", views.share, name="share"),
    path("surveys/<uuid:survey_uuid>/qr.svg", views.qr, {"kind": "svg"}, name="qr_svg"),
    path("surveys/<uuid:survey_uuid>/qr.png", views.qr, {"kind": "png"}, name="qr_png"),
    path("surveys/<uuid:survey_uuid>/card/", views.card, name="card"),
    path("surveys/<uuid:survey_uuid>/invite/", views.invite, name="invite"),
    path("surveys/<uuid:survey_uuid>/auto-invite/", views.auto_invite, name="auto_invite"),
    # Tokens are secrets.token_urlsafe (the slug alphabet): anything else, a NUL that
    # PostgreSQL refuses in a query included, is a page that does not exist.
    path("i/<slug:token>/", views.invitation_page, name="invitation"),
    path("u/<slug:token>/", views.unsubscribe, name="unsubscribe"),
    path("s/<uuid:survey_uuid>/embed/", views.embed, name="embed"),
    path("s/<uuid:survey_uuid>/embed/thanks/", views.embed_thanks, name="embed_thanks"),
]
