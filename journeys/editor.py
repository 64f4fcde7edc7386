"""The journey editor in the browser: stages and touchpoints added, renamed, moved, archived.

Plain POST forms that redirect back to the editor; a refused change renders the editor
again with status 400 and the message next to its field (and nothing written).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import MANAGER_ROLES, business_view
from accounts.selectors import business_object_or_404
from cxplatform.errors import ApplicationError

from .forms import MoveForm, StageForm, TouchpointEditForm, TouchpointForm, add_errors
from .models import Journey, Stage, Touchpoint
from .selectors import journey_for
from .services import (
    journey_ensure,
    stage_add,
    stage_archive,
    stage_move,
    stage_rename,
    stage_restore,
    touchpoint_add,
    touchpoint_archive,
    touchpoint_move,
    touchpoint_restore,
    touchpoint_update,
)

NEW_STAGE = "stage-add"
PAGE = "page"  # a refused move, archive or restore: shown at the top


@dataclass
class Failed:
    """The form whose change was refused, and where on the page it belongs."""

    key: str
    form: forms.Form


@dataclass
class TouchpointRow:
    touchpoint: Touchpoint
    form: TouchpointEditForm
    open: bool = False


@dataclass
class StageRow:
    stage: Stage
    rename_form: StageForm
    add_form: TouchpointForm
    touchpoints: list[TouchpointRow] = field(default_factory=list)
    archived: list[Touchpoint] = field(default_factory=list)
    rename_open: bool = False


# --- The page ------------------------------------------------------------------------


@business_view(roles=MANAGER_ROLES)
@require_GET
def journey_edit(request: HttpRequest) -> HttpResponse:
    return render_editor(request)


def render_editor(request: HttpRequest, failed: Failed | None = None) -> HttpResponse:
    journey_ensure(business=request.business)  # a business without one gets its ready-made one
    journey = journey_for(business=request.business)
    context = {"journey": journey, **editor_rows(journey, failed), "failed": failed}
    return render(request, "journeys/edit.html", context, status=400 if failed else 200)


def editor_rows(journey: Journey, failed: Failed | None) -> dict:
    stages = list(journey.stages.all())
    live = [stage for stage in stages if stage.archived_at is None]
    rows = [stage_row(stage, live, failed) for stage in live]
    return {
        "stages": rows,
        "add_stage_form": pick(failed, NEW_STAGE, new_stage_form()),
        "archived_stages": [stage for stage in stages if stage.archived_at is not None],
        "archived_touchpoints": [(row.stage, tp) for row in rows for tp in row.archived],
    }


def stage_row(stage: Stage, live: list[Stage], failed: Failed | None) -> StageRow:
    row = StageRow(
        stage=stage,
        rename_form=pick(failed, f"stage-rename-{stage.uuid}", stage_rename_form(stage)),
        add_form=pick(failed, f"touchpoint-add-{stage.uuid}", touchpoint_add_form(stage)),
        rename_open=failed is not None and failed.key == f"stage-rename-{stage.uuid}",
    )
    for touchpoint in stage.touchpoints.all():
        if touchpoint.archived_at is not None:
            row.archived.append(touchpoint)
            continue
        key = f"touchpoint-edit-{touchpoint.uuid}"
        form = pick(failed, key, touchpoint_edit_form(touchpoint, live))
        opened = failed is not None and failed.key == key
        row.touchpoints.append(TouchpointRow(touchpoint=touchpoint, form=form, open=opened))
    return row


def pick(failed: Failed | None, key: str, fresh: forms.Form) -> forms.Form:
    return failed.form if failed is not None and failed.key == key else fresh


# The same ids whether a form is fresh or sent back with errors, so labels and the error
# summary's links always find their field.


def new_stage_form(data=None) -> StageForm:
    return StageForm(data, auto_id="new-stage-%s")


def stage_rename_form(stage: Stage, data=None) -> StageForm:
    return StageForm(data, initial={"name": stage.name}, auto_id=f"stage-{stage.uuid}-%s")


def touchpoint_add_form(stage: Stage, data=None) -> TouchpointForm:
    return TouchpointForm(data, auto_id=f"stage-{stage.uuid}-new-%s")


def touchpoint_edit_form(touchpoint: Touchpoint, stages: list[Stage], data=None):
    initial = {"name": touchpoint.name, "stage": str(touchpoint.stage.uuid)}
    return TouchpointEditForm(
        data, stages=stages, initial=initial, auto_id=f"touchpoint-{touchpoint.uuid}-%s"
    )


def attempt(form: forms.Form, change: Callable[[], object]) -> bool:
    """Run `change` when the form is valid; a refusal lands on the form's fields."""
    if not form.is_valid():
        return False
    try:
        change()
    except ApplicationError as error:
        add_errors(form, error)
        return False
    return True


def act(
    request: HttpRequest, change: Callable[[], object], *, done: str, anchor: str
) -> HttpResponse:
    """A button with no fields (archive, restore): do it, say `done`, go back to `anchor`;
    a refusal shows at the top of the page."""
    form = forms.Form(request.POST)
    if attempt(form, change):
        messages.success(request, done)
        return back_to(anchor)
    return render_editor(request, Failed(PAGE, form))


def back_to(anchor: str) -> HttpResponse:
    return redirect(f"{reverse('journeys:edit')}#{anchor}")


def load_stage(request: HttpRequest, stage_uuid) -> Stage:
    return business_object_or_404(Stage, business=request.business, uuid=stage_uuid)


def load_touchpoint(request: HttpRequest, touchpoint_uuid) -> Touchpoint:
    return business_object_or_404(Touchpoint, business=request.business, uuid=touchpoint_uuid)


# --- Stages --------------------------------------------------------------------------


@business_view(roles=MANAGER_ROLES)
@require_POST
def stage_add_view(request: HttpRequest) -> HttpResponse:
    form = new_stage_form(request.POST)
    added: list[Stage] = []
    journey = journey_ensure(business=request.business)
    if attempt(form, lambda: added.append(stage_add(journey=journey, **form.cleaned_data))):
        messages.success(request, _("Stage “%(name)s” added.") % {"name": added[0].name})
        return back_to(f"stage-{added[0].uuid}")
    return render_editor(request, Failed(NEW_STAGE, form))


@business_view(roles=MANAGER_ROLES)
@require_POST
def stage_rename_view(request: HttpRequest, stage_uuid) -> HttpResponse:
    stage = load_stage(request, stage_uuid)
    form = stage_rename_form(stage, request.POST)
    if attempt(form, lambda: stage_rename(stage=stage, **form.cleaned_data)):
        messages.success(request, _("Stage renamed to “%(name)s”.") % {"name": stage.name})
        return back_to(f"stage-{stage.uuid}")
    return render_editor(request, Failed(f"stage-rename-{stage.uuid}", form))


@business_view(roles=MANAGER_ROLES)
@require_POST
def stage_move_view(request: HttpRequest, stage_uuid) -> HttpResponse:
    stage = load_stage(request, stage_uuid)
    form = MoveForm(request.POST)
    if attempt(form, lambda: stage_move(stage=stage, offset=form.offset())):
        return back_to(f"stage-{stage.uuid}")
    return render_editor(request, Failed(PAGE, form))


@business_view(roles=MANAGER_ROLES)
@require_POST
def stage_archive_view(request: HttpRequest, stage_uuid) -> HttpResponse:
    stage = load_stage(request, stage_uuid)
    done = _("Stage “%(name)s” archived with its touchpoints; their history stays on the map.") % {
        "name": stage.name
    }
    return act(request, lambda: stage_archive(stage=stage), done=done, anchor="archived")


@business_view(roles=MANAGER_ROLES)
@require_POST
def stage_restore_view(request: HttpRequest, stage_uuid) -> HttpResponse:
    stage = load_stage(request, stage_uuid)
    done = _("Stage “%(name)s” restored.") % {"name": stage.name}
    return act(request, lambda: stage_restore(stage=stage), done=done, anchor=f"stage-{stage.uuid}")


# --- Touchpoints ---------------------------------------------------------------------


@business_view(roles=MANAGER_ROLES)
@require_POST
def touchpoint_add_view(request: HttpRequest, stage_uuid) -> HttpResponse:
    stage = load_stage(request, stage_uuid)
    form = touchpoint_add_form(stage, request.POST)
    added: list[Touchpoint] = []
    if attempt(form, lambda: added.append(touchpoint_add(stage=stage, **form.cleaned_data))):
        messages.success(request, _("Touchpoint “%(name)s” added.") % {"name": added[0].name})
        return back_to(f"touchpoint-{added[0].uuid}")
    return render_editor(request, Failed(f"touchpoint-add-{stage.uuid}", form))


@business_view(roles=MANAGER_ROLES)
@require_POST
def touchpoint_edit_view(request: HttpRequest, touchpoint_uuid) -> HttpResponse:
    """Rename a touchpoint and/or move it to another stage (it goes to the end there)."""
    touchpoint = load_touchpoint(request, touchpoint_uuid)
    journey = journey_for(business=request.business)
    live = [stage for stage in journey.stages.all() if stage.archived_at is None]
    form = touchpoint_edit_form(touchpoint, live, request.POST)

    def change() -> None:
        name, stage = form.cleaned_data["name"], form.chosen_stage()
        touchpoint_update(touchpoint=touchpoint, name=name, stage=stage)

    if attempt(form, change):
        messages.success(request, _("Touchpoint “%(name)s” saved.") % {"name": touchpoint.name})
        return back_to(f"touchpoint-{touchpoint.uuid}")
    return render_editor(request, Failed(f"touchpoint-edit-{touchpoint.uuid}", form))


@business_view(roles=MANAGER_ROLES)
@require_POST
def touchpoint_move_view(request: HttpRequest, touchpoint_uuid) -> HttpResponse:
    touchpoint = load_touchpoint(request, touchpoint_uuid)
    form = MoveForm(request.POST)
    if attempt(form, lambda: touchpoint_move(touchpoint=touchpoint, offset=form.offset())):
        return back_to(f"touchpoint-{touchpoint.uuid}")
    return render_editor(request, Failed(PAGE, form))


@business_view(roles=MANAGER_ROLES)
@require_POST
def touchpoint_archive_view(request: HttpRequest, touchpoint_uuid) -> HttpResponse:
    touchpoint = load_touchpoint(request, touchpoint_uuid)
    done = _("Touchpoint “%(name)s” archived; its history stays on the map.") % {
        "name": touchpoint.name
    }
    return act(
        request, lambda: touchpoint_archive(touchpoint=touchpoint), done=done, anchor="archived"
    )


@business_view(roles=MANAGER_ROLES)
@require_POST
def touchpoint_restore_view(request: HttpRequest, touchpoint_uuid) -> HttpResponse:
    touchpoint = load_touchpoint(request, touchpoint_uuid)
    done = _("Touchpoint “%(name)s” restored.") % {"name": touchpoint.name}
    return act(
        request,
        lambda: touchpoint_restore(touchpoint=touchpoint),
        done=done,
        anchor=f"touchpoint-{touchpoint.uuid}",
    )
