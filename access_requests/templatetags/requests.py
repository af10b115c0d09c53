from django import template

from access_requests.selectors import to_review

register = template.Library()


@register.simple_tag
def to_review_count(project, user, membership) -> int:
    """How many of the project's pending requests wait for this person's review (the tab).
    `membership`: the one the page already loaded (resources.pages.project_page)."""
    return len(to_review(user=user, project=project, membership=membership))
