"""Single sign-on through a real local OIDC provider: who a person is, and who is refused."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.auth import get_user_model
from django.urls import reverse

from sessions_audit.models import AuditEvent
from tests.factories import UserFactory
from tests.identity.fixtures import PROVIDER_ID, PROVIDER_NAME

pytestmark = pytest.mark.django_db
User = get_user_model()


def _signed_in(client) -> bool:
    return client.get(reverse("home")).status_code != 302 or not client.get(reverse("home"))[
        "Location"
    ].startswith(reverse("login"))


def test_the_sign_in_page_offers_the_provider_before_the_password(client, provider):
    body = client.get(reverse("login")).content.decode()
    assert f"Sign in with {PROVIDER_NAME}" in body
    assert body.index(f"Sign in with {PROVIDER_NAME}") < body.index('name="password"')


def test_a_password_form_is_not_shown_when_local_sign_in_is_off(client, provider, settings):
    settings.PAM_LOCAL_LOGIN = False
    body = client.get(reverse("login")).content.decode()
    assert f"Sign in with {PROVIDER_NAME}" in body and 'name="password"' not in body


def test_the_flow_uses_pkce(client, provider):
    start = client.post(reverse("openid_connect_login", args=[PROVIDER_ID]))
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]


def test_a_first_sign_in_creates_the_person_known_by_provider_and_subject(client, provider):
    response = provider.sign_in(
        client, "alice-sub-1", email="alice@corp.example", email_verified=True
    )
    assert response.status_code == 302 and not response["Location"].startswith("/login")
    account = SocialAccount.objects.get(provider=PROVIDER_ID, uid="alice-sub-1")
    assert account.user.email == "alice@corp.example"
    assert _signed_in(client)
    assert not SocialToken.objects.exists()  # no access or refresh token is kept


def test_an_unverified_email_is_refused_and_nothing_is_created(client, provider):
    response = provider.sign_in(client, "mallory", email="ceo@corp.example", email_verified=False)
    assert response.status_code == 403
    assert "does not say that ceo@corp.example is verified" in response.content.decode()
    assert not User.objects.filter(email="ceo@corp.example").exists()
    assert not SocialAccount.objects.exists()


def test_a_missing_email_is_refused(client, provider):
    response = provider.sign_in(client, "no-email", name="Nobody")
    assert response.status_code == 403
    assert "did not send an email address" in response.content.decode()


def test_an_existing_account_is_never_taken_over_by_email(client, provider):
    local = UserFactory(email="bob@corp.example")
    response = provider.sign_in(client, "bob-sub", email="Bob@corp.example", email_verified=True)
    assert response.status_code == 403
    assert "never on an email alone" in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert not _signed_in(client)
    local.refresh_from_db()
    assert local.email == "bob@corp.example"


def test_another_subject_with_the_same_email_is_not_the_same_person(client, provider):
    provider.sign_in(client, "carol-1", email="carol@corp.example", email_verified=True)
    client.logout()
    response = provider.sign_in(client, "carol-2", email="carol@corp.example", email_verified=True)
    assert response.status_code == 403
    assert SocialAccount.objects.filter(uid="carol-1").count() == 1
    assert not SocialAccount.objects.filter(uid="carol-2").exists()


def test_a_changed_email_at_the_provider_updates_the_person_and_is_audited(client, provider):
    provider.sign_in(client, "dave-sub", email="dave@corp.example", email_verified=True)
    client.logout()
    provider.sign_in(client, "dave-sub", email="david@corp.example", email_verified=True)
    user = SocialAccount.objects.get(uid="dave-sub").user
    assert user.email == "david@corp.example"
    event = AuditEvent.objects.get(action="user.update")
    assert event.detail == {
        "email": "david@corp.example",
        "old": {"email": "dave@corp.example"},
        "via": "sso",
    }
    assert _signed_in(client)


def test_a_deactivated_person_cannot_sign_in_again(client, provider):
    provider.sign_in(client, "erin-sub", email="erin@corp.example", email_verified=True)
    client.logout()
    User.objects.filter(email="erin@corp.example").update(is_active=False)
    response = provider.sign_in(client, "erin-sub", email="erin@corp.example", email_verified=True)
    assert response["Location"] == reverse("account_inactive")
    assert not _signed_in(client)


def test_deactivating_a_person_ends_their_web_session_at_the_next_request(client, member_user):
    client.force_login(member_user)
    assert client.get(reverse("home")).status_code == 302  # their one project
    User.objects.filter(pk=member_user.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_provider_trusted_for_emails_signs_in_without_email_verified(client, provider, settings):
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    app["settings"]["trust_email"] = True
    response = provider.sign_in(client, "entra-user", email="olga@corp.example")
    assert response.status_code == 302
    assert SocialAccount.objects.get(uid="entra-user").user.email == "olga@corp.example"


def test_nobody_links_another_identity_to_their_account(client, provider, member_user):
    client.force_login(member_user)
    provider.set_user("someone-else", email="member-alt@corp.example", email_verified=True)
    start = client.post(reverse("openid_connect_login", args=[PROVIDER_ID]), {"process": "connect"})
    import httpx

    decision = httpx.post(start["Location"], data={"sub": "someone-else"})
    callback = urlsplit(decision.headers["location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 403
    assert not SocialAccount.objects.filter(uid="someone-else").exists()
