"""Beat tasks of the requests app: thin wrappers over its services."""

from celery import shared_task


@shared_task
def requests_expire_task() -> int:
    """Pending requests nobody decided in time expire."""
    from access_requests.services import requests_expire

    return requests_expire()


@shared_task
def grants_close_task() -> int:
    """Grants whose time is up are closed and their live sessions revoked."""
    from access_requests.services import grants_close

    return grants_close()


@shared_task
def grants_ending_task() -> int:
    """Requesters whose grant ends within 10 minutes are told so, once."""
    from access_requests.services import grants_ending_notify

    return grants_ending_notify()
