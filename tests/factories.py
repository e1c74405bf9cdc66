"""factory_boy factories with overridable defaults, shared by every test module."""

import factory
from django.contrib.auth.models import Group

from accounts.models import Organization, User

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"centre-{n}")
    name_zh = factory.Sequence(lambda n: f"培训基地{n}")
    name_en = factory.Sequence(lambda n: f"Training Centre {n}")
    kind = Organization.Kind.TRAINING_CENTRE
    province = "BJ"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    display_name_zh = factory.Sequence(lambda n: f"医生{n}")
    display_name_en = factory.Sequence(lambda n: f"Doctor {n}")
    organization = factory.SubFactory(OrganizationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        self.save()
        if extracted:
            groups = [Group.objects.get_or_create(name=role)[0] for role in extracted]
            self.groups.set(groups)
