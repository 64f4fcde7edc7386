"""UuidChoiceField: every app's pickers of a business's objects by uuid."""

from __future__ import annotations

import pytest
from django import forms

from accounts.models import Location
from accounts.services import location_create
from cxplatform.forms import StrictQueryMixin, UuidChoiceField

pytestmark = pytest.mark.django_db


class Picker(forms.Form):
    location = UuidChoiceField(
        error_messages={"invalid_choice": "This business has no such location."}
    )

    def __init__(self, data, *, business) -> None:
        super().__init__(data)
        self.fields["location"].queryset = Location.objects.filter(business=business)


@pytest.mark.parametrize("value", ["not-a-uuid", "12", "00000000-0000-4000-8000-000000000000"])
def test_junk_and_unknown_uuids_get_the_same_message(business_a, value):
    form = Picker({"location": value}, business=business_a)
    assert not form.is_valid()
    assert form.errors["location"] == ["This business has no such location."]


def test_another_business_s_object_is_unknown(business_a, business_b):
    theirs = location_create(business=business_b, name="Kiosk")
    form = Picker({"location": str(theirs.uuid)}, business=business_a)
    assert form.errors["location"] == ["This business has no such location."]


def test_an_own_object_by_uuid_and_none_are_fine(business_a):
    ours = location_create(business=business_a, name="Counter")
    assert Picker({"location": str(ours.uuid)}, business=business_a).is_valid()
    empty = Picker({"location": ""}, business=business_a)
    assert empty.is_valid() and empty.cleaned_data["location"] is None


class Filters(StrictQueryMixin, forms.Form):
    rating = forms.IntegerField(required=False)


def test_an_unknown_parameter_is_refused_by_name():
    form = Filters({"rating": "5", "stars": "5", "page": "2"}, also_known=("page",))
    assert not form.is_valid()
    assert form.error_dict() == {"filters": ["Unknown filter: stars. Known filters: page, rating."]}


def test_known_and_paging_parameters_pass_and_field_errors_keep_their_name():
    assert Filters({"rating": "5", "page": "2"}, also_known=("page",)).is_valid()
    form = Filters({"rating": "many"})
    assert not form.is_valid() and list(form.error_dict()) == ["rating"]
