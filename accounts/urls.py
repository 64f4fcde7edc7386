from __future__ import annotations

from django.urls import path

from . import owner_views, team_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("switch/<uuid:business_uuid>/", views.business_switch, name="switch"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<uuid:key_uuid>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("settings/", owner_views.business_settings, name="settings"),
    path("settings/look/", owner_views.survey_look, name="settings_look"),
    path("audit/", owner_views.audit_log, name="audit"),
    path("team/", team_views.team, name="team"),
    path("team/members/<uuid:member_uuid>/role/", team_views.member_role, name="team_member_role"),
    path(
        "team/members/<uuid:member_uuid>/remove/",
        team_views.member_remove,
        name="team_member_remove",
    ),
    path(
        "team/invitations/<uuid:invitation_uuid>/revoke/",
        team_views.invitation_revoke,
        name="team_invitation_revoke",
    ),
    path("invitations/<str:token>/", team_views.team_accept, name="team_accept"),
]
