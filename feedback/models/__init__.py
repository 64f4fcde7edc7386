from __future__ import annotations

from .cases import CaseNote, CaseReason, CaseStatus, FollowUpCase
from .interactions import Interaction, InteractionChannel, Mood
from .invitations import Invitation, InvitationStatus
from .responses import Answer, Channel, PendingAnswers, Response
from .surveys import Question, QuestionKind, Survey, SurveyStatus, TrustPillar

__all__ = [
    "Answer",
    "CaseNote",
    "CaseReason",
    "CaseStatus",
    "Channel",
    "FollowUpCase",
    "Interaction",
    "InteractionChannel",
    "Invitation",
    "InvitationStatus",
    "Mood",
    "PendingAnswers",
    "Question",
    "QuestionKind",
    "Response",
    "Survey",
    "SurveyStatus",
    "TrustPillar",
]
