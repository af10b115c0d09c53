"""Per Account: the console region and page, a page chosen at click time, and the sign-out
wrapper, through the Access view with moto behind it (the login URL is what is checked: it
is what the browser is sent to)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts import services
from identity.preferences import console_preference_set
from resources.models import Membership
from sessions_audit.models import AccessSession
from tests.aws.fixtures import SIGNIN_TOKEN
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
REGIONAL = "https://eu-west-1.signin.aws.amazon.com/federation"


def _access(client, world, **data):
    url = reverse("accounts:access", kwargs={"slug": world.project.slug, "pk": world.account.pk})
    return client.post(url, data)


def _set(world, **fields):
    admin = MembershipFactory(project=world.project, role=Membership.Role.ADMIN).user
    values = {**services.account_fields(world.account), **fields}
    services.account_update(actor=admin, account=world.account, **values)
    world.account.refresh_from_db()


def _query(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_a_region_and_page_move_the_sign_in_host_and_the_destination(client, access_world):
    regional = access_world.router.post(REGIONAL).respond(json={"SigninToken": SIGNIN_TOKEN})
    _set(access_world, console_region="eu-west-1", destination="/s3/home")
    client.force_login(access_world.member)
    response = _access(client, access_world)
    location = response["Location"]
    assert location.startswith(REGIONAL + "?Action=login")
    assert _query(location)["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"
    )
    assert regional.call_count == 1 and access_world.federation.call_count == 0


def test_a_member_picks_another_page_from_the_accounts_list(client, access_world):
    access_world.router.post(REGIONAL).respond(json={"SigninToken": SIGNIN_TOKEN})
    _set(
        access_world,
        console_region="eu-west-1",
        destinations="CloudWatch | /cloudwatch/home#dashboards\nhttps://s3.console.aws.amazon.com/s3/buckets",
    )
    client.force_login(access_world.member)
    page = client.get(reverse("accounts:list", args=[access_world.project.slug])).content.decode()
    assert '<option value="1">CloudWatch</option>' in page
    assert '<option value="2">s3</option>' in page
    response = _access(client, access_world, page="1")
    assert _query(response["Location"])["Destination"] == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards"
    )
    response = _access(client, access_world, page="2")
    assert _query(response["Location"])["Destination"] == (
        "https://s3.console.aws.amazon.com/s3/buckets?region=eu-west-1"
    )


@pytest.mark.parametrize("value", ["3", "-1", "x", "1" * 50])
def test_a_page_the_account_does_not_offer_is_refused_and_nothing_opens(
    client, access_world, value
):
    client.force_login(access_world.member)
    response = _access(client, access_world, page=value)
    assert response.status_code == 400
    assert b"offers 1 console page; choose one from its list" in response.content
    assert not AccessSession.objects.exists()
    assert access_world.federation.call_count == 0


def test_without_settings_the_console_home_opens_as_before(client, access_world):
    client.force_login(access_world.member)
    location = _access(client, access_world)["Location"]
    assert _query(location)["Destination"] == "https://console.aws.amazon.com/console/home"


def test_sign_out_first_wraps_the_login_for_whoever_asked(client, access_world):
    console_preference_set(user=access_world.member, sign_out_first=True)
    client.force_login(access_world.member)
    page = client.get(reverse("accounts:list", args=[access_world.project.slug])).content.decode()
    assert '<input type="hidden" name="sign_out_first" value="1">' in page
    assert 'name="sign_out_first" checked' in page
    location = _access(client, access_world, sign_out_first="1")["Location"]
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://signin.aws.amazon.com/oauth"
    query = _query(location)
    assert query["Action"] == "logout"
    assert query["redirect_uri"].startswith("https://signin.aws.amazon.com/federation?Action=login")
    assert SIGNIN_TOKEN in query["redirect_uri"]


def test_the_preference_is_saved_by_its_form_and_says_so(client, access_world):
    client.force_login(access_world.member)
    back = reverse("accounts:list", args=[access_world.project.slug])
    response = client.post(
        reverse("console_preference"), {"sign_out_first": "on", "next": back}, follow=True
    )
    assert response.redirect_chain[-1][0] == back
    assert b"Access now signs you out of the AWS console you are in first." in response.content
    response = client.post(reverse("console_preference"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("home")  # never off this site
    assert not access_world.member.console_preference.sign_out_first


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("console_region", "us-gov-west-1", "not a region of the aws partition"),
        ("destination", "https://console.amazonaws.cn/s3/home", "is not on console.aws.amazon.com"),
        ("destination", "http://console.aws.amazon.com/", "starting with https://"),
        ("destinations", "ok | /s3/home\nbad | https://phish.example/", "Line 2:"),
    ],
)
def test_the_form_refuses_pages_and_regions_off_the_partition(
    client, access_world, field, value, message
):
    admin = MembershipFactory(project=access_world.project, role=Membership.Role.ADMIN).user
    client.force_login(admin)
    account = access_world.account
    url = reverse("accounts:edit", kwargs={"slug": access_world.project.slug, "pk": account.pk})
    response = client.post(
        url,
        {
            "name": account.name,
            "target_role_arn": account.target_role_arn,
            "session_duration": "15m",
            field: value,
        },
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    account.refresh_from_db()
    assert getattr(account, field) == ""
