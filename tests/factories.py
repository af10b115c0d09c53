import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account
from resources.models import Membership, Project, Resource
from sessions_audit.models import AccessSession


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    role = Membership.Role.MEMBER


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"aws-account-{n}")
    resource_role_arn = "arn:aws:iam::123456789012:role/PamBridge"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    resource = factory.SubFactory(ResourceFactory)
    name = factory.Sequence(lambda n: f"role-{n}")
    target_role_arn = "arn:aws:iam::123456789012:role/ReadOnly"
    session_duration = 3600


class AccessSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessSession

    user = factory.SubFactory(UserFactory)
    user_email = factory.LazyAttribute(lambda o: o.user.email if o.user else "gone@example.com")
    account = factory.SubFactory(AccountFactory)
    resource = factory.LazyAttribute(lambda o: o.account.resource)
    project = factory.LazyAttribute(lambda o: o.account.resource.project)
    project_name = factory.LazyAttribute(lambda o: o.project.name)
    resource_name = factory.LazyAttribute(lambda o: o.resource.name)
    account_name = factory.LazyAttribute(lambda o: o.account.name)
    target_role_arn = factory.LazyAttribute(lambda o: o.account.target_role_arn)
    role_session_name = factory.LazyAttribute(lambda o: o.user_email)
    status = AccessSession.Status.ACTIVE
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(hours=1))
