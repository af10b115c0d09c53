"""What hop 2 carries besides the role session name, per the Resource's opt-ins: the person's
SourceIdentity (the role session name, which then persists through any later chaining and is
logged by CloudTrail as sourceIdentity) and the pam-* session tags (pam-session: the session
row's id, made before the AssumeRole; pam-project: the project's slug). Validation makes its
dry-run hop 2 with the same parameters, so a trust policy that lacks sts:SetSourceIdentity or
sts:TagSession shows up as Invalid before anyone clicks."""

from pamsite.aws.chain import Hop2Extras
from pamsite.aws.revocation import SESSION_TAG

PROJECT_TAG = "pam-project"
REQUEST_TAG = "pam-request"


def hop2_extras(*, resource, session_name: str, session_id, request_id=None) -> Hop2Extras | None:
    tags = ()
    if resource.session_tags_enabled:
        tags = ((SESSION_TAG, str(session_id)), (PROJECT_TAG, resource.project.slug))
        if request_id is not None:
            tags += ((REQUEST_TAG, str(request_id)),)
    source_identity = session_name if resource.source_identity_enabled else ""
    if not (tags or source_identity):
        return None
    return Hop2Extras(source_identity=source_identity, tags=tags)
