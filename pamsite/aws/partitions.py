"""AWS partitions: which hosts sign people in and serve the console in each."""

from dataclasses import dataclass

from pamsite.aws.arns import PARTITIONS


@dataclass(frozen=True)
class Partition:
    name: str
    default_region: str
    signin_host: str  # global sign-in host; regional hosts prefix "<region>."
    console_host: str
    region_prefixes: tuple[str, ...]

    def owns_region(self, region: str) -> bool:
        return any(region.startswith(prefix) for prefix in self.region_prefixes)


_PARTITIONS = {
    "aws": Partition("aws", "us-east-1", "signin.aws.amazon.com", "console.aws.amazon.com", ()),
    "aws-us-gov": Partition(
        "aws-us-gov",
        "us-gov-west-1",
        "signin.amazonaws-us-gov.com",
        "console.amazonaws-us-gov.com",
        ("us-gov-",),
    ),
    "aws-cn": Partition(
        "aws-cn",
        "cn-north-1",
        "signin.amazonaws.cn",
        "console.amazonaws.cn",
        ("cn-",),
    ),
}
assert set(_PARTITIONS) == set(PARTITIONS)


def partition(name: str) -> Partition:
    """The partition by name ("aws", "aws-us-gov", "aws-cn"); KeyError if unknown."""
    return _PARTITIONS[name]


def region_in_partition(name: str, region: str | None) -> str:
    """`region` if it belongs to the partition, else the partition's default region.

    An STS call for a GovCloud or China role must go to that partition's endpoint, whatever
    region the platform itself runs in.
    """
    if owns_region(name, region):
        return region
    return partition(name).default_region


def owns_region(name: str, region: str | None) -> bool:
    """Whether `region` is one of the partition's regions (by its prefix)."""
    if not region:
        return False
    part = partition(name)
    if part.region_prefixes:
        return part.owns_region(region)
    return not any(p.owns_region(region) for p in _PARTITIONS.values() if p.region_prefixes)


def partition_of_region(region: str | None) -> str:
    """The partition a region belongs to ("aws" for anything not GovCloud or China)."""
    for name, part in _PARTITIONS.items():
        if part.region_prefixes and region and part.owns_region(region):
            return name
    return "aws"


def signin_base_url(name: str, region: str | None = None) -> str:
    """The federation endpoint, e.g. https://signin.aws.amazon.com/federation, or the regional
    host https://eu-west-1.signin.aws.amazon.com/federation when a region of the aws partition
    is given. GovCloud and China always use their global sign-in host, and a region from
    another partition is ignored."""
    host = partition(name).signin_host
    if name == "aws" and owns_region(name, region):
        host = f"{region}.{host}"
    return f"https://{host}/federation"


def console_url(name: str, region: str | None = None) -> str:
    """The console home page, regional when a region of this partition is given."""
    host = partition(name).console_host
    if owns_region(name, region):
        return f"https://{region}.{host}/console/home?region={region}"
    return f"https://{host}/console/home"
