from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from accounts.models import User
from customers.models import Customer
from feedback.models import Interaction, InteractionChannel

TEST_PASSWORD = "correct horse battery staple"
# Hashing is deliberately slow; hash the shared test password once.
_TEST_PASSWORD_HASH = make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    password = _TEST_PASSWORD_HASH


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.net")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    channel = InteractionChannel.IN_PERSON
    note = "Customer asked about oat milk and was happy with the answer."
