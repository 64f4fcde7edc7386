"""A page of a list whose length the caller already knows."""

from __future__ import annotations

import pytest

from customers.models import Customer
from cxplatform.pagination import CountedPaginator
from tests.factories import CustomerFactory


def test_it_pages_with_the_count_given():
    paginator = CountedPaginator(list(range(120)), 50, count=120)
    assert paginator.num_pages == 3
    assert list(paginator.get_page(3)) == list(range(100, 120))
    assert paginator.get_page(999).number == 3 and paginator.get_page("x").number == 1


@pytest.mark.django_db
def test_it_does_not_count_the_queryset(business_a, django_assert_num_queries):
    CustomerFactory.create_batch(3, business=business_a)
    paginator = CountedPaginator(Customer.objects.order_by("pk"), 2, count=3)
    with django_assert_num_queries(1):  # the page's rows, no COUNT(*)
        page = paginator.get_page(2)
        assert (paginator.num_pages, page.number, len(list(page))) == (2, 2, 1)
