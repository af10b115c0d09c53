"""What every project page shares: the switcher, the tabs and what the role may do."""

from resources.permissions import capabilities
from resources.selectors import projects_for_user


def project_page(request, *, project, membership, tab: str, **context) -> dict:
    """The context of a project page; templates ask `can.<capability>` (resources.permissions)."""
    return {
        "project": project,
        "membership": membership,
        "can": capabilities(membership),
        "tab": tab,
        "user_projects": projects_for_user(user=request.user),
        **context,
    }
