"""RoleSessionName from a user's email: what CloudTrail shows as the person behind a session."""

import hashlib
import re
import unicodedata

MIN_LENGTH = 2
MAX_LENGTH = 64
_ILLEGAL = re.compile(r"[^\w+=,.@-]", re.ASCII)
_HASH_LENGTH = 10
# What a shortened or changed name ends with. A legal email that happens to end like this is
# hashed too, so a kept email can never equal another email's shortened name.
_SUFFIXED = re.compile(rf"-[0-9a-f]{{{_HASH_LENGTH}}}\Z", re.ASCII)


def role_session_name(email: str) -> str:
    """Make `email` a legal STS RoleSessionName: 2..64 characters of ``[\\w+=,.@-]``.

    A legal email of 2..64 characters is kept as it is, so CloudTrail shows the person's
    address. Otherwise accents are folded, other characters become "-", and a short hash of
    the original email is appended (after shortening, if needed), so two different emails
    never share a session name.
    """
    original = (email or "").strip()
    folded = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode("ascii")
    legal = _ILLEGAL.sub("-", folded)
    if legal == original and MIN_LENGTH <= len(legal) <= MAX_LENGTH and not _SUFFIXED.search(legal):
        return legal
    digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    head = legal[: MAX_LENGTH - _HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}" if head else f"user-{digest}"
