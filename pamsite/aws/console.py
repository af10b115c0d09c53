"""Where the console opens: a region and a page of a partition's console, and the sign-out
URL that wraps a login when the browser is still signed in to another AWS account.

An Account may name a console page (a path such as `/s3/home`, or a full `https` URL on its
partition's console domain) and a region of its partition; members may pick one of the
Account's other pages at click time. Everything here is pure: parse, check, build URLs.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import regex

from pamsite.aws.partitions import owns_region, partition

# AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-northwest-1, ap-southeast-7 ...
_REGION = regex.compile(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")
PATH_EXAMPLE = "/s3/home"
LINE_SEPARATOR = "|"
MAX_PAGES = 20


class InvalidConsolePage(ValueError):
    """A page or region that cannot be used, with a message for the person who typed it."""


def check_region(region: str, partition_name: str) -> str:
    """`region` (trimmed, lower case) if it is a region name of the partition."""
    region = region.strip().lower()
    if not _REGION.fullmatch(region):
        raise InvalidConsolePage(
            f"{region or 'An empty value'} is not an AWS region name: write it like us-east-1 "
            "or eu-west-2."
        )
    if not owns_region(partition_name, region):
        home = partition(partition_name).default_region
        raise InvalidConsolePage(
            f"{region} is not a region of the {partition_name} partition this account's role "
            f"is in: use one of its regions, such as {home}."
        )
    return region


def _console_hosts(partition_name: str) -> str:
    return partition(partition_name).console_host


def check_page(page: str, partition_name: str) -> str:
    """A console page as stored: a path (`/s3/home`, `/cloudwatch/home#dashboards`) or a full
    `https` URL whose host is the partition's console domain or one of its subdomains
    (`eu-west-1.console.aws.amazon.com`, `s3.console.aws.amazon.com`)."""
    page = page.strip()
    host = _console_hosts(partition_name)
    if not page:
        raise InvalidConsolePage(f"Enter a console page, for example {PATH_EXAMPLE}.")
    if any(ch.isspace() for ch in page) or not page.isprintable():
        raise InvalidConsolePage("A console page cannot contain spaces or invisible characters.")
    if page.startswith("/"):
        if page.startswith("//"):
            raise InvalidConsolePage(
                f"Start a path with one slash, for example {PATH_EXAMPLE}, or give the full "
                f"https://{host}/... address."
            )
        return page
    parts = urlsplit(page)
    if parts.scheme != "https" or not parts.hostname:
        raise InvalidConsolePage(
            f"Give a path such as {PATH_EXAMPLE} or a full address starting with https://{host}/."
        )
    if parts.username or parts.password or parts.port:
        raise InvalidConsolePage("A console address has no user name, password or port.")
    name = parts.hostname.lower()
    if name != host and not name.endswith("." + host):
        raise InvalidConsolePage(
            f"{parts.hostname} is not on {host}, the console of the {partition_name} "
            "partition this account's role is in."
        )
    return page


@dataclass(frozen=True)
class ConsolePage:
    label: str
    page: str


def label_for(page: str) -> str:
    """A short name for a page without one: its first path segment ("s3", "cloudwatch")."""
    path = urlsplit(page).path if not page.startswith("/") else page.split("?")[0].split("#")[0]
    first = next((segment for segment in path.split("/") if segment), "")
    return first or "console home"


def parse_pages(text: str, partition_name: str) -> list[ConsolePage]:
    """The Account's other pages, one per line: `Label | page` or just the page. Raises
    InvalidConsolePage naming the line that is wrong."""
    pages = []
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_PAGES:
        raise InvalidConsolePage(f"At most {MAX_PAGES} pages, one per line.")
    for number, line in enumerate(lines, start=1):
        label, sep, page = line.rpartition(LINE_SEPARATOR)
        if not sep:
            label, page = "", line
        try:
            page = check_page(page, partition_name)
        except InvalidConsolePage as exc:
            raise InvalidConsolePage(f"Line {number}: {exc}") from None
        label = " ".join(label.split())[:60] or label_for(page)
        pages.append(ConsolePage(label=label, page=page))
    return pages


def destination_url(partition_name: str, region: str | None, page: str = "") -> str:
    """The login URL's Destination: `page` on the partition's console (regional host and a
    `region` query parameter when a region is given and the page does not name one), or the
    console home page."""
    host = _console_hosts(partition_name)
    region = region if region and owns_region(partition_name, region) else None
    if not page:
        if region:
            return f"https://{region}.{host}/console/home?region={region}"
        return f"https://{host}/console/home"
    if page.startswith("/"):
        netloc = f"{region}.{host}" if region else host
        parts = urlsplit(f"https://{netloc}{page}")
    else:
        parts = urlsplit(page)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if region and not any(key == "region" for key, _ in query):
        query.append(("region", region))
    return urlunsplit(parts._replace(query=urlencode(query)))


def sign_out_first(login_url: str, federation_url: str) -> str:
    """The login URL wrapped in the partition's sign-out URL (the federation endpoint's host,
    path /oauth, Action=logout): the browser leaves whatever AWS account it is signed in to,
    then follows the login. As aws-vault's --auto-logout and Leapp do."""
    parts = urlsplit(federation_url)
    path = parts.path.rsplit("/", 1)[0] + "/oauth"
    query = urlencode({"Action": "logout", "redirect_uri": login_url})
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
