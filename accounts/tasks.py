from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .team import team_invitation_send, token_hidden

# Mail servers and databases that hiccup may work on the next try; bugs must not loop.
TRANSIENT = (SMTPException, ConnectionError, TimeoutError, OperationalError, InterfaceError)
MAX_RETRIES = 6


@shared_task(bind=True, max_retries=MAX_RETRIES, acks_late=True, reject_on_worker_lost=True)
def send_team_invitation(self, invitation_id: int, token: str) -> bool:
    """E-mail an invitation to join a team (routed to the `email` queue by its name).

    Retried by hand rather than with autoretry_for, so the retry keeps the token out of
    the message's printed arguments as the first send did.
    """
    try:
        return team_invitation_send(invitation_id=invitation_id, token=token)
    except TRANSIENT as error:
        countdown = min(30 * 2**self.request.retries, 1800)
        raise self.retry(
            exc=error, countdown=countdown, argsrepr=token_hidden(invitation_id)
        ) from error
