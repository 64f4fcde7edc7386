from __future__ import annotations

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("switch/<uuid:business_uuid>/", views.business_switch, name="switch"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<uuid:key_uuid>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
]
