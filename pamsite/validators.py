"""Django validators over the pure parsers, shared by models and forms."""

from django.core.exceptions import ValidationError

from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.durations import InvalidDuration, check_duration_seconds


def validate_role_arn(value: str) -> None:
    try:
        parse_role_arn(value)
    except InvalidRoleArn as exc:
        raise ValidationError(str(exc), code="invalid_role_arn") from exc
    if value != value.strip():
        raise ValidationError("Remove the spaces around the ARN.", code="invalid_role_arn")


def validate_session_duration(value: int) -> None:
    try:
        check_duration_seconds(value)
    except InvalidDuration as exc:
        raise ValidationError(str(exc), code="invalid_duration") from exc
