"""Project pages: resources (with live validation status) and members."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pamsite.aws import identity, policies
from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.aws.errors import AwsError
from pamsite.views import apply_service_errors, project_page, redirect_page, render_page
from resources import services
from resources.forms import MembershipForm, ResourceForm
from resources.models import Membership, Resource
from resources.selectors import project_for_member, project_landing_url, resources_for_project


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
    targets = resource.accounts.values_list("target_role_arn", flat=True) if resource else ()
    sets = policies.resource_policies(
        resource_role_arn=resource_role_arn,
        external_id=project.external_id,
        platform_account_id=platform_account_id,
        target_role_arns=list(targets),
    )
    documents += [
        {
            "key": "resource-permissions",
            "title": "Resource Role: permissions policy",
            "help": "Lets the Resource Role assume the target roles. Until accounts exist it "
            "allows every role in the account; narrow it when they do.",
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


def _admin_project(request, slug):
    project, membership = project_for_member(user=request.user, slug=slug)
    if not membership.can_manage:
        raise PermissionDenied("Only a project admin can do this.")
    return project, membership


@require_GET
@login_required
def project_detail(request, slug):
    project, membership = project_for_member(user=request.user, slug=slug)
    return redirect(project_landing_url(project=project, membership=membership))


@require_GET
@login_required
def resource_list(request, slug):
    project, membership = project_for_member(user=request.user, slug=slug)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="resources",
        resources=resources_for_project(project=project),
    )
    return render_page(request, "resources/resource_list.html", context)


@require_GET
@login_required
def resource_status(request, slug, pk):
    """The status badge alone; while pending it carries the polling trigger, after that not,
    so the browser stops asking."""
    project, membership = project_for_member(user=request.user, slug=slug)
    resource = get_object_or_404(Resource, project=project, pk=pk)
    context = project_page(
        request, project=project, membership=membership, tab="resources", resource=resource
    )
    if request.htmx:
        return render_page(request, "resources/resource_list.html", context, fragment="status")
    return redirect("resources:edit", slug=project.slug, pk=resource.pk)


def _resource_form_page(request, slug, pk=None):
    """Add (admins) or edit a resource; members and auditors see it and its status read-only."""
    if pk is None:
        project, membership = _admin_project(request, slug)
        resource = None
    else:
        project, membership = project_for_member(user=request.user, slug=slug)
        resource = get_object_or_404(Resource, project=project, pk=pk)
        if request.method == "POST" and not membership.can_manage:
            raise PermissionDenied("Only a project admin can do this.")
    initial = {}
    if resource is not None:
        initial = {
            "name": resource.name,
            "description": resource.description,
            "resource_role_arn": resource.resource_role_arn,
        }
    form = ResourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if resource is None:
                resource = services.resource_create(
                    actor=request.user, project=project, **form.cleaned_data
                )
                message = f"Resource {resource.name} added. Validating it now."
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
    project, membership = _admin_project(request, slug)
    resource = get_object_or_404(Resource, project=project, pk=pk)
    resource = services.resource_revalidate(actor=request.user, resource=resource)
    if request.htmx:
        resource.refresh_from_db()
        context = project_page(
            request, project=project, membership=membership, tab="resources", resource=resource
        )
        return render_page(request, "resources/resource_list.html", context, fragment="status")
    messages.success(request, f"Validating {resource.name} again.")
    return redirect("resources:edit", slug=project.slug, pk=resource.pk)


@require_http_methods(["GET", "POST"])
@login_required
def member_list(request, slug):
    """Admins add people by email and set their role."""
    project, membership = _admin_project(request, slug)
    form = MembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.membership_set(
                actor=request.user, project=project, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{member.user.email} is now {member.get_role_display()}.")
            if member.user_id == request.user.pk and not member.can_manage:
                # Demoted themselves: the members page is admins only now.
                return redirect(project_landing_url(project=project, membership=member))
            return redirect("resources:members", slug=project.slug)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="members",
        form=form,
        members=Membership.objects.filter(project=project)
        .select_related("user")
        .order_by("user__email"),
        roles=Membership.Role.choices,
    )
    return render_page(request, "resources/member_list.html", context)


@require_POST
@login_required
def member_remove(request, slug, pk):
    project, _ = _admin_project(request, slug)
    member = get_object_or_404(Membership.objects.select_related("user"), project=project, pk=pk)
    try:
        services.membership_remove(actor=request.user, membership=member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{member.user.email} removed from {project.name}.")
        if member.user_id == request.user.pk:
            # Left the project: its pages are 404 to them now.
            return redirect("home")
    return redirect("resources:members", slug=project.slug)
