"""The team under /api/v1/team/: members, invitations, roles. Signed-in owners and managers
only (API keys cannot manage people); the rules are those of the team page (accounts.team)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from .access import MANAGER_ROLES
from .api import BusinessScopedViewSet
from .models import Membership, Role, TeamInvitation
from .team import (
    team_invitation_revoke,
    team_invitations_open,
    team_invite,
    team_member_remove,
    team_members,
    team_role_change,
)

REFUSED = OpenApiResponse(description="The team rules refuse this; `errors` names the field.")


class TeamMemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["uuid", "email", "name", "role", "joined_at"]
        read_only_fields = fields


class TeamRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class TeamInviteSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


class TeamInvitationSerializer(serializers.ModelSerializer):
    invited_by = serializers.SerializerMethodField()

    class Meta:
        model = TeamInvitation
        fields = ["uuid", "email", "role", "invited_by", "created_at", "expires_at", "sent_at"]
        read_only_fields = fields

    def get_invited_by(self, invitation: TeamInvitation) -> str | None:
        return invitation.invited_by.email if invitation.invited_by else None


class TeamViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet
):  # fmt: skip
    """The people in the business, their role and when they joined. POST invites someone
    by e-mail (they get a link that works once, for 7 days); PATCH changes a member's role;
    DELETE removes a member. Managers manage staff and managers only; nobody changes their
    own role, and the last owner stays."""

    model = Membership
    serializer_class = TeamMemberSerializer
    required_roles = MANAGER_ROLES
    allow_api_key = False

    def scoped_queryset(self, business):
        return team_members(business=business)

    @extend_schema(
        request=TeamInviteSerializer,
        responses={201: TeamInvitationSerializer, 400: REFUSED, 403: REFUSED},
    )
    def create(self, request):
        incoming = TeamInviteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        invitation, _token = team_invite(actor=request.membership, **incoming.validated_data)
        body = TeamInvitationSerializer(invitation).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TeamRoleSerializer,
        responses={200: TeamMemberSerializer, 400: REFUSED, 403: REFUSED},
    )
    def partial_update(self, request, uuid=None):
        member = self.get_object()
        incoming = TeamRoleSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        member = team_role_change(
            actor=request.membership, member=member, role=incoming.validated_data["role"]
        )
        return Response(TeamMemberSerializer(member).data)

    @extend_schema(responses={204: None, 403: REFUSED})
    def destroy(self, request, uuid=None):
        team_member_remove(actor=request.membership, member=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamInvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, BusinessScopedViewSet
):  # fmt: skip
    """Invitations not yet accepted or revoked (expired ones too, until sent again or
    revoked). DELETE revokes one: its link stops working at once."""

    model = TeamInvitation
    serializer_class = TeamInvitationSerializer
    required_roles = MANAGER_ROLES
    allow_api_key = False

    def scoped_queryset(self, business):
        return team_invitations_open(business=business)

    @extend_schema(responses={204: None, 403: REFUSED})
    def destroy(self, request, uuid=None):
        team_invitation_revoke(actor=request.membership, invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
