"""What validating an Account checks: the whole chain to its target role."""

from django.conf import settings

from accounts.hop2 import hop2_extras
from accounts.models import Account
from pamsite.aws import validation as aws_validation
from resources.validation import outcome


def account_validate(*, account_id: int, final_attempt: bool = True) -> Account | None:
    """Check the whole chain to the target role with the account's session duration, as an
    Access click makes it (session name "pam-validation"), and record the outcome: valid, or
    invalid with AWS's code and a hint (which hop failed, RoleChainingLimit, MaxSessionDuration
    ...). With the Resource's SourceIdentity and tags on hop 2 as a click sends them, and, where
    revocation is on, whether it is ready on the target role (a warning when not). A retryable
    failure is re-raised unless `final_attempt`. None if the account is gone.
    """
    account = Account.objects.select_related("resource__project").filter(pk=account_id).first()
    if account is None:
        return None
    resource = account.resource
    validated = {
        "target_role_arn": account.target_role_arn,
        "session_duration": account.session_duration,
        "resource__resource_role_arn": resource.resource_role_arn,
        "resource__revocation_enabled": resource.revocation_enabled,
        "resource__source_identity_enabled": resource.source_identity_enabled,
        "resource__session_tags_enabled": resource.session_tags_enabled,
        "resource__cloudtrail_enabled": resource.cloudtrail_enabled,
    }

    def check():
        return aws_validation.target_role_check(
            resource_role_arn=resource.resource_role_arn,
            target_role_arn=account.target_role_arn,
            external_id=resource.project.external_id,
            duration=account.session_duration,
            region=settings.AWS_REGION,
            extras=hop2_extras(
                resource=resource,
                session_name=aws_validation.VALIDATION_SESSION_NAME,
                session_id=aws_validation.VALIDATION_SESSION_NAME,
            ),
            revocation=resource.revocation_enabled,
            cloudtrail=resource.cloudtrail_enabled,
        )

    outcome(
        model=Account,
        pk=account_id,
        unchanged=validated,
        check=check,
        final_attempt=final_attempt,
    )
    return Account.objects.filter(pk=account_id).first()
