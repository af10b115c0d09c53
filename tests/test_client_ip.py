"""pamsite.client_ip: the client's address behind trusted proxies, never a forged one."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from pamsite.client_ip import client_ip, trusted_networks
from sessions_audit.models import AccessSession

PROXIES = ["10.0.0.0/16", "fd00::/8"]


def _meta(remote, xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return meta


@pytest.mark.parametrize(
    ("remote", "xff", "trusted", "expected"),
    [
        # No proxy is trusted: the header is whatever the client wrote, so it is ignored.
        ("203.0.113.7", "198.51.100.1", [], "203.0.113.7"),
        # A peer outside the trusted networks sent the header itself: ignored.
        ("203.0.113.7", "198.51.100.1", PROXIES, "203.0.113.7"),
        # Behind the trusted proxy: the address it appended.
        ("10.0.1.2", "203.0.113.7", PROXIES, "203.0.113.7"),
        # A client that forges a first hop: the right-most untrusted one wins.
        ("10.0.1.2", "6.6.6.6, 203.0.113.7", PROXIES, "203.0.113.7"),
        # CloudFront, then an ALB: both trusted, the viewer is left of them.
        ("10.0.1.2", "203.0.113.7, 130.176.9.9", [*PROXIES, "130.176.0.0/16"], "203.0.113.7"),
        # Ports and IPv6 brackets are parsed, IPv4-mapped addresses unwrapped.
        ("10.0.1.2", "[2001:db8::7]:4711", PROXIES, "2001:db8::7"),
        ("::ffff:10.0.1.2", "203.0.113.7:443", PROXIES, "203.0.113.7"),
        ("fd00::1", "2001:db8::9", PROXIES, "2001:db8::9"),
        # An unparsable header from a trusted proxy: the proxy is all we know.
        ("10.0.1.2", "not-an-ip, 203.0.113.7", PROXIES, "10.0.1.2"),
        ("10.0.1.2", "", PROXIES, "10.0.1.2"),
        ("10.0.1.2", None, PROXIES, "10.0.1.2"),
        # Every hop trusted (an internal caller): the left-most.
        ("10.0.1.2", "10.0.5.5, 10.0.1.1", PROXIES, "10.0.5.5"),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(remote, xff, trusted, expected):
    assert client_ip(_meta(remote, xff), trusted=trusted) == expected


def test_no_peer_address_is_none():
    assert client_ip({}, trusted=PROXIES) is None
    assert client_ip({"REMOTE_ADDR": "garbage"}, trusted=PROXIES) is None


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "proxy.internal", "10.0.0.0/8,", "*"])
def test_a_bad_trusted_proxy_entry_is_a_configuration_error(entry):
    with pytest.raises(ImproperlyConfigured, match="PAM_TRUSTED_PROXIES"):
        trusted_networks([entry] if not entry.endswith(",") else entry.split(","))


@pytest.mark.django_db
def test_access_records_the_client_behind_a_trusted_proxy(client, access_world, settings):
    settings.PAM_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.force_login(access_world.member)
    url = reverse("accounts:access", args=[access_world.project.slug, access_world.account.pk])

    client.post(url, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    client.post(url, REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="6.6.6.6")

    recorded = list(
        AccessSession.objects.order_by("created_at").values_list("source_ip", flat=True)
    )
    assert recorded == ["203.0.113.7", "198.51.100.20"]
