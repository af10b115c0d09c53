"""Pages of the resources app: projects (home, create, switch), resources with their live
validation status and IAM documents, and members."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pamsite.aws import identity, policies
from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.aws.errors import AwsError
from pamsite.forms import ConfirmForm, SearchForm
from pamsite.pages import apply_service_errors, redirect_page, render_page
from resources import projects, services
from resources.forms import GroupRuleForm, MembershipForm, ProjectForm, ResourceForm
from resources.models import GroupRule, Invitation, Membership, Resource
from resources.pages import confirm_page, project_page
from resources.permissions import (
    REFUSALS,
    Capability,
    can_create_projects,
    project_for_view,
    role_can,
)
from resources.selectors import (
    members_of,
    project_landing_url,
    projects_for_home,
    resources_for_project,
)


@require_GET
@login_required
def home(request):
    """The projects the signed-in user belongs to; someone in exactly one project goes straight
    to it. Platform admins stay here, where projects are created, and see every project (those
    they are not in are managed in Django admin)."""
    staff = can_create_projects(request.user)
    user_projects = list(projects_for_home(user=request.user, every_project=staff))
    if len(user_projects) == 1 and not staff:
        return redirect("resources:project", slug=user_projects[0].slug)
    return render(request, "home.html", {"projects": user_projects})


@require_http_methods(["GET", "POST"])
@login_required
def project_create_view(request):
    """Platform admins (Django staff) create projects; the creator becomes its first admin."""
    if not can_create_projects(request.user):
        raise PermissionDenied(REFUSALS[Capability.CREATE_PROJECTS])
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = projects.project_create(
                name=form.cleaned_data["name"], owner=request.user, slug=form.cleaned_data["slug"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Project {project.name} created; you are its admin. Next, add a resource: the "
                "AWS account its people open.",
            )
            return redirect("resources:list", slug=project.slug)
    return render(request, "project_form.html", {"form": form})


@require_GET
@login_required
def project_switch(request):
    """The project switcher's target: a plain GET form, so it works without JavaScript."""
    project, membership = project_for_view(user=request.user, slug=request.GET.get("project", ""))
    return redirect(project_landing_url(project=project, membership=membership))


@require_GET
@login_required
def project_detail(request, slug):
    project, membership = project_for_view(user=request.user, slug=slug)
    return redirect(project_landing_url(project=project, membership=membership))


def _platform_account_id() -> str:
    try:
        return identity.platform_account_id(
            configured=settings.PAM_PLATFORM_ACCOUNT_ID, region=settings.AWS_REGION
        )
    except (AwsError, ValueError):
        # The page must render even when the platform identity is broken.
        return "<platform account id>"


def policy_documents(*, project, resource=None, resource_role_arn: str | None) -> list[dict]:
    """The three IAM documents an admin puts into AWS for this project, filled in. Without a
    valid Resource Role ARN yet, only the Resource Role's trust policy can be written."""
    platform_account_id = _platform_account_id()
    try:
        partition = parse_role_arn(resource_role_arn or "").partition
    except InvalidRoleArn:
        partition = None
    trust = policies.resource_role_trust_policy(
        platform_account_id=platform_account_id,
        external_id=project.external_id,
        partition=partition or "aws",
    )
    documents = [
        {
            "key": "resource-trust",
            "title": "Resource Role: trust policy",
            "help": "Lets the platform's AWS account assume the Resource Role, only with this "
            "project's External ID.",
            "json": policies.policy_json(trust),
        }
    ]
    if partition is None:
        return documents
    # A retired account's role is no longer opened: the policy leaves it out.
    accounts = resource.accounts.filter(retired_at__isnull=True) if resource else None
    targets = list(accounts.values_list("target_role_arn", flat=True)) if accounts else []
    sets = policies.resource_policies(
        resource_role_arn=resource_role_arn,
        external_id=project.external_id,
        platform_account_id=platform_account_id,
        target_role_arns=targets,
        revocation=bool(resource and resource.revocation_enabled),
        source_identity=bool(resource and resource.source_identity_enabled),
        session_tags=bool(resource and resource.session_tags_enabled),
        cloudtrail=bool(resource and resource.cloudtrail_enabled),
    )
    if targets:
        permissions_help = (
            "Lets the Resource Role assume exactly the target roles of this resource's "
            "accounts. Update it in AWS when you add an account."
        )
        if resource and resource.revocation_enabled:
            permissions_help += (
                " Revocation: it may also write and remove inline deny policies on those "
                "roles only (never role/*, since iam:PutRolePolicy could widen a role too)."
            )
    else:
        permissions_help = (
            "Lets the Resource Role assume the target roles. Until accounts exist it allows "
            "every role in the AWS account; narrow it when they do (this page then shows them)."
        )
    documents += [
        {
            "key": "resource-permissions",
            "title": "Resource Role: permissions policy",
            "help": permissions_help,
            "json": sets.resource_role_permissions_json,
        },
        {
            "key": "target-trust",
            "title": "Target Role: trust policy",
            "help": "Put this on every role people open through Access in this AWS account.",
            "json": sets.target_role_trust_json,
        },
    ]
    return documents


@require_GET
@login_required
def resource_list(request, slug):
    """The project's resources; ?q= narrows them (a plain GET form, no JavaScript needed)."""
    project, membership = project_for_view(user=request.user, slug=slug)
    search = SearchForm(request.GET or None)
    query = search.query()
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="resources",
        search=search,
        query=query,
        resources=[] if query is None else resources_for_project(project=project, query=query),
    )
    return render_page(request, "resources/resource_list.html", context)


@require_GET
@login_required
def resource_status(request, slug, pk):
    """The status badge alone; while pending it carries the polling trigger, after that not,
    so the browser stops asking."""
    project, membership = project_for_view(user=request.user, slug=slug)
    resource = get_object_or_404(Resource, project=project, pk=pk)
    context = project_page(
        request, project=project, membership=membership, tab="resources", resource=resource
    )
    if request.htmx:
        return render_page(request, "resources/resource_list.html", context, fragment="status")
    return redirect("resources:edit", slug=project.slug, pk=resource.pk)


def _validation_message(resource: Resource, *, pending: str, checked: str) -> str:
    """What the page says after a write that validates: without a broker the check has already
    run (tasks run in the request), so `checked` and its outcome; else `pending`."""
    resource.refresh_from_db(fields=["validation_status"])
    if resource.validation_status == Resource.ValidationStatus.PENDING:
        return pending
    return f"{checked}: {resource.get_validation_status_display().lower()}."


def _resource_form_page(request, slug, pk=None):
    """Add (admins) or edit a resource; members and auditors see it and its status read-only."""
    writing = pk is None or request.method == "POST"
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT if writing else None
    )
    resource = None if pk is None else get_object_or_404(Resource, project=project, pk=pk)
    initial = {}
    if resource is not None:
        initial = services.resource_fields(resource)
    form = ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if resource is None:
                resource = services.resource_create(
                    actor=request.user, project=project, **form.cleaned_data
                )
                message = _validation_message(
                    resource,
                    pending=f"Resource {resource.name} added. Validating it now.",
                    checked=f"Resource {resource.name} added and checked",
                )
            else:
                resource = services.resource_update(
                    actor=request.user, resource=resource, **form.cleaned_data
                )
                message = f"Resource {resource.name} saved."
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect_page(request, "resources:edit", slug=project.slug, pk=resource.pk)
    # The policies follow the saved ARN; on a new resource, the ARN being typed.
    role_arn = form["resource_role_arn"].value() if resource is None else resource.resource_role_arn
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="resources",
        form=form,
        resource=resource,
        policies=policy_documents(project=project, resource=resource, resource_role_arn=role_arn),
    )
    return render_page(request, "resources/resource_form.html", context, fragment="form")


@require_http_methods(["GET", "POST"])
@login_required
def resource_create_view(request, slug):
    return _resource_form_page(request, slug)


@require_http_methods(["GET", "POST"])
@login_required
def resource_edit(request, slug, pk):
    return _resource_form_page(request, slug, pk)


@require_POST
@login_required
def resource_validate(request, slug, pk):
    """Validate again: back to pending, the check runs in the background."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    resource = get_object_or_404(Resource, project=project, pk=pk)
    try:
        resource = services.resource_revalidate(actor=request.user, resource=resource)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect_page(request, "resources:edit", slug=project.slug, pk=resource.pk)
    if request.htmx:
        resource.refresh_from_db()
        context = project_page(
            request, project=project, membership=membership, tab="resources", resource=resource
        )
        return render_page(request, "resources/resource_list.html", context, fragment="status")
    message = _validation_message(
        resource,
        pending=f"Validating {resource.name} again.",
        checked=f"{resource.name} checked again",
    )
    messages.success(request, message)
    return redirect("resources:edit", slug=project.slug, pk=resource.pk)


@require_POST
@login_required
def resource_retire_view(request, slug, pk):
    """Retire a resource, after a page that asks (a POST without confirm=yes shows it)."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    resource = get_object_or_404(Resource, project=project, pk=pk)
    back_url = reverse("resources:edit", kwargs={"slug": project.slug, "pk": resource.pk})
    if not ConfirmForm(request.POST).is_valid():
        return confirm_page(
            request,
            project=project,
            membership=membership,
            tab="resources",
            title=f"Retire {resource.name}?",
            consequences=(
                f"No console can be opened in {resource.name} any more, through any of its "
                f"{resource.accounts.count()} account(s), and neither it nor they can be "
                "changed. It, its accounts and their sessions stay in the audit trail. This "
                "cannot be undone in the app."
            ),
            action=request.path,
            button=f"Retire {resource.name}",
            back_url=back_url,
            back_label=resource.name,
        )
    try:
        services.resource_retire(actor=request.user, resource=resource)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Resource {resource.name} retired: its accounts can no longer be opened."
        )
    return redirect(back_url)


@require_http_methods(["GET", "POST"])
@login_required
def member_list(request, slug):
    """Admins add people by email and set their role."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = projects.member_add(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            # The same words whether the email had a user (a membership now) or not (an
            # invitation): the page does not tell who has an account here.
            messages.success(
                request,
                f"{form.cleaned_data['email']} has the role {member.get_role_display()} in "
                f"{project.name} (from their first sign-in, if they have not signed in yet).",
            )
            if isinstance(member, Invitation):
                return redirect("resources:members", slug=project.slug)
            if member.user_id == request.user.pk and not role_can(
                member.role, Capability.MANAGE_PROJECT
            ):
                # Demoted themselves: the members page is admins only now.
                return redirect(project_landing_url(project=project, membership=member))
            return redirect("resources:members", slug=project.slug)
    return _members_page(request, project, membership, form=form)


def _members_page(request, project, membership, *, form=None, rule_form=None, status=200):
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="members",
        form=form or MembershipForm(),
        rule_form=rule_form or GroupRuleForm(),
        members=members_of(project=project),
        invitations=project.invitations.filter(status=Invitation.Status.PENDING),
        rules=project.group_rules.all(),
        roles=Membership.Role.choices,
    )
    response = render_page(request, "resources/member_list.html", context)
    response.status_code = status
    return response


@require_POST
@login_required
def group_rule_add(request, slug):
    """Admins map an identity-provider group to a role in this project."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    rule_form = GroupRuleForm(request.POST)
    if rule_form.is_valid():
        try:
            rule = projects.group_rule_set(
                actor=request.user, project=project, **rule_form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(rule_form, exc)
        else:
            messages.success(
                request,
                f"Members of {rule.group} become {rule.get_role_display()} at their next "
                "single sign-on.",
            )
            return redirect("resources:members", slug=project.slug)
    return _members_page(request, project, membership, rule_form=rule_form)


@require_POST
@login_required
def group_rule_remove(request, slug, pk):
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    rule = get_object_or_404(GroupRule, project=project, pk=pk)
    projects.group_rule_remove(actor=request.user, rule=rule)
    messages.success(
        request, f"Rule for {rule.group} removed: its memberships go at each person's next sign-in."
    )
    return redirect("resources:members", slug=project.slug)


@require_POST
@login_required
def member_remove(request, slug, pk):
    """Take a person out of the project, after a page that asks (a POST without confirm=yes
    shows it)."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    member = get_object_or_404(Membership.objects.select_related("user"), project=project, pk=pk)
    if not ConfirmForm(request.POST).is_valid():
        person = member.user.email or member.user.get_username()
        yourself = member.user_id == request.user.pk
        return confirm_page(
            request,
            project=project,
            membership=membership,
            tab="members",
            title=f"Remove {'yourself' if yourself else person} from {project.name}?",
            consequences=(
                f"{person} can no longer open {project.name}'s pages or its consoles"
                f"{' (nor can you: you leave the project)' if yourself else ''}. Consoles "
                "already open stay open until they expire. Their sessions stay in the audit "
                "trail."
            ),
            action=request.path,
            button=f"Remove {person}",
            back_url=reverse("resources:members", kwargs={"slug": project.slug}),
            back_label="Members",
        )
    try:
        projects.membership_remove(actor=request.user, membership=member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{member.user.email} removed from {project.name}.")
        if member.user_id == request.user.pk:
            # Left the project: its pages are 404 to them now.
            return redirect("home")
    return redirect("resources:members", slug=project.slug)


@require_POST
@login_required
def invitation_cancel(request, slug, pk):
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    invitation = get_object_or_404(
        Invitation, project=project, pk=pk, status=Invitation.Status.PENDING
    )
    projects.invitation_cancel(actor=request.user, invitation=invitation)
    messages.success(request, f"Invitation for {invitation.email} cancelled.")
    return redirect("resources:members", slug=project.slug)
