from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import BusinessScopedViewSet, acting_user

from ..models import FollowUpCase
from .selectors import cases_for_member
from .serializers import CaseNoteSerializer, CaseSerializer, CaseUpdateSerializer
from .services import case_note_add, case_update


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet):
    """Follow-up cases. Staff see their own and unassigned ones; managers see all."""

    model = FollowUpCase
    serializer_class = CaseSerializer

    def scoped_queryset(self, business):
        membership = getattr(self.request, "membership", None)
        return cases_for_member(business=business, membership=membership).prefetch_related(
            "notes__author"
        )

    @extend_schema(request=CaseUpdateSerializer, responses={200: CaseSerializer})
    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        changes = CaseUpdateSerializer(data=request.data, context={"business": request.business})
        changes.is_valid(raise_exception=True)
        data = dict(changes.validated_data)
        if "assignee" in data:
            self._check_may_assign(request)
            data["unassign"] = data["assignee"] is None
        case_update(case=case, actor=acting_user(request), **data)
        return Response(CaseSerializer(case).data)

    @extend_schema(request=CaseNoteSerializer, responses={201: CaseNoteSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, uuid=None):
        case = self.get_object()
        note = CaseNoteSerializer(data=request.data)
        note.is_valid(raise_exception=True)
        created = case_note_add(
            case=case, author=acting_user(request), text=note.validated_data["text"]
        )
        return Response(CaseNoteSerializer(created).data, status=status.HTTP_201_CREATED)

    def _check_may_assign(self, request) -> None:
        membership = getattr(request, "membership", None)
        if membership is not None and not membership.is_manager:
            raise exceptions.PermissionDenied(_("Only owners and managers assign cases."))
