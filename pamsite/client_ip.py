"""The address of the person's browser, behind the reverse proxies the operator trusts.

settings.PAM_TRUSTED_PROXIES lists the proxies' networks (CIDRs). A request whose peer
(REMOTE_ADDR) is not one of them is taken at its word: its X-Forwarded-For, which anyone can
send, is ignored. Behind a trusted peer, the client is the right-most address in
X-Forwarded-For that is not a trusted proxy (each proxy appends the address it saw, so
everything left of the first untrusted hop may be forged). Header parsing (ports, IPv6
brackets, IPv4-mapped addresses, RFC 7239 tokens) is python-ipware's.
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from python_ipware.modern.parsers import parse_ip, split_proxy_chain, unwrap_ipv4

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Parse PAM_TRUSTED_PROXIES; a bad entry is a configuration error that names it."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"PAM_TRUSTED_PROXIES: {entry!r} is not an IP network; write CIDRs such as "
                "10.0.0.0/16 or 127.0.0.1/32, separated by commas."
            ) from None
    return tuple(networks)


def _trusted(ip, networks: tuple[Network, ...]) -> bool:
    ip = unwrap_ipv4(ip)
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip(meta, *, trusted: Iterable[str] | None = None) -> str | None:
    """The client's address for the request's META, or None when the peer has none."""
    networks = trusted_networks(settings.PAM_TRUSTED_PROXIES if trusted is None else trusted)
    peer = parse_ip(meta.get("REMOTE_ADDR"))
    if peer is None:
        return None
    peer = unwrap_ipv4(peer)
    if not _trusted(peer, networks):
        return str(peer)
    # strict: one unparsable token makes the whole header untrustworthy.
    chain = split_proxy_chain(meta.get("HTTP_X_FORWARDED_FOR"), strict=True) or []
    for hop in reversed([*chain, peer]):
        if not _trusted(hop, networks):
            return str(unwrap_ipv4(hop))
    # Every hop is a trusted proxy: the left-most is the nearest thing to a client.
    return str(unwrap_ipv4(chain[0])) if chain else str(peer)
