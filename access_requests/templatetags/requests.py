from django import template

from access_requests.selectors import to_review
from resources.models import Membership

register = template.Library()


@register.simple_tag
def to_review_count(project, user) -> int:
    """How many of the project's pending requests wait for this person's review (the tab)."""
    membership = Membership.objects.filter(project=project, user=user).first()
    return len(to_review(user=user, project=project, membership=membership))
