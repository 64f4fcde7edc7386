from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import OWNER_ONLY, business_view, choose_business
from .forms import ApiKeyForm
from .models import ApiKey
from .selectors import api_keys_for_business, business_object_or_404, membership_for_business
from .services import api_key_create, api_key_revoke


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
@require_POST
def business_switch(request: HttpRequest, business_uuid) -> HttpResponse:
    membership = membership_for_business(user=request.user, business_uuid=business_uuid)
    if membership is None:
        raise Http404("business")
    choose_business(request, membership)
    messages.success(request, _("You are now working in %(name)s.") % {"name": membership.business})
    return redirect("home")


@business_view(roles=OWNER_ONLY)
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _api_key, new_key = api_key_create(
                business=request.business, created_by=request.user, **form.cleaned_data
            )
            form = ApiKeyForm()
        else:
            status = 400
    context = {
        "form": form,
        "new_key": new_key,
        "keys": api_keys_for_business(business=request.business),
    }
    return render(request, "accounts/api_keys.html", context, status=status)


@business_view(roles=OWNER_ONLY)
@require_POST
def api_key_revoke_view(request: HttpRequest, key_uuid) -> HttpResponse:
    api_key = business_object_or_404(ApiKey, business=request.business, uuid=key_uuid)
    api_key_revoke(api_key=api_key, actor=request.user)
    messages.success(request, _("The key %(key)s no longer works.") % {"key": api_key})
    return redirect("accounts:api_keys")
