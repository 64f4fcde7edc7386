from __future__ import annotations

import pytest

from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_members_see_their_business_interactions_escaped(business_a, bob, client_of):
    InteractionFactory(business=business_a, note="<b>Oat milk</b> please", staff=bob)
    html = client_of(bob).get("/interactions/").content.decode()
    assert "&lt;b&gt;Oat milk&lt;/b&gt; please" in html
    assert "Being scored" in html


def test_it_hides_other_businesses_interactions(business_a, business_b, charlie, client_of):
    InteractionFactory(business=business_a, note="Alice's private note")
    html = client_of(charlie).get("/interactions/").content.decode()
    assert "Alice&#x27;s private note" not in html
    assert "No interactions logged yet." in html
