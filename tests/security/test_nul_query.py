"""A NUL in a query parameter is a clear 400, never a 500 from PostgreSQL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit-entries/?actor=%00",
        "/api/v1/audit-entries/?action=a%00b",
        "/api/v1/customers/?q=%00",
        "/customers/?q=x%00",
    ],
)
def test_a_nul_in_a_query_parameter_is_refused_by_name(path, alice, business_a, client_of):
    reply = client_of(alice).get(path)
    assert reply.status_code == 400
    name = path.split("?")[1].split("=")[0]
    if path.startswith("/api/"):
        assert name in reply.json()["errors"]
    else:
        assert name in reply.content.decode()


def test_an_ordinary_query_still_works(alice, business_a, client_of):
    assert client_of(alice).get("/api/v1/customers/?q=ana").status_code == 200


def test_the_charlie_outsider_gets_the_same_refusal_without_learning_anything(
    charlie, business_b, client_of
):
    assert client_of(charlie).get("/api/v1/customers/?q=%00").status_code == 400
