"""What every project page shares: the switcher, the tabs and what the role may do; and the
page that asks before a destructive button does its work."""

from django.shortcuts import render

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


def confirm_page(
    request,
    *,
    project,
    membership,
    tab: str,
    title: str,
    consequences: str,
    action: str,
    button: str,
    back_url: str,
    back_label: str,
):
    """The confirmation step of a destructive POST (pamsite.forms.ConfirmForm): says what will
    happen and posts to `action` again with confirm=yes; Cancel goes back to `back_url`."""
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab=tab,
        title=title,
        consequences=consequences,
        action=action,
        button=button,
        back_url=back_url,
        back_label=back_label,
    )
    return render(request, "confirm.html", context)
