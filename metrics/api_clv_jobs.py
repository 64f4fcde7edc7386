"""/api/v1/clv-fit-jobs/: recalculating customer value on demand, and following it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from accounts.access import MANAGER_ROLES
from accounts.api import BusinessScopedViewSet, acting_user

from .clv_jobs import clv_fit_job_start, clv_fit_jobs_for_business
from .models import ClvFitJob, ClvFitStage, ClvStatus


class ClvFitJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.EmailField(
        source="requested_by.email", allow_null=True, read_only=True
    )
    stage = serializers.ChoiceField(
        choices=ClvFitStage.choices, allow_blank=True, read_only=True,
        help_text="The step under way (or the one it failed in); blank while queued.",
    )  # fmt: skip
    stage_label = serializers.CharField(read_only=True, help_text="The step under way, in words.")
    steps_done = serializers.IntegerField(read_only=True)
    steps = serializers.IntegerField(read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    fit_status = serializers.ChoiceField(
        source="fit.status", choices=ClvStatus.choices, allow_null=True, read_only=True,
        help_text="How the stored fit came out (null until done).",
    )  # fmt: skip
    fit_message = serializers.CharField(
        source="fit.message", allow_null=True, read_only=True,
        help_text="Why there is no prediction, when there is none.",
    )  # fmt: skip

    class Meta:
        model = ClvFitJob
        fields = [
            "uuid", "created_at", "status", "stage", "stage_label", "steps_done", "steps",
            "progress_percent", "failure", "fit_status", "fit_message", "started_at",
            "finished_at", "requested_by",
        ]  # fmt: skip
        read_only_fields = fields


class ClvFitJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Recalculating the predicted customer value now rather than overnight (owners and
    managers). Progress goes by step: reading purchases, fitting BG/NBD, fitting
    Gamma-Gamma, storing values. One runs at a time: starting another while one is queued
    or running returns that one."""

    model = ClvFitJob
    serializer_class = ClvFitJobSerializer
    required_roles = MANAGER_ROLES

    def scoped_queryset(self, business):
        return clv_fit_jobs_for_business(business=business)

    @extend_schema(request=None, responses={202: ClvFitJobSerializer})
    def create(self, request):
        """Start a fit; a worker does it. Poll the job for its progress."""
        job = clv_fit_job_start(business=request.business, user=acting_user(request))
        return Response(ClvFitJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
