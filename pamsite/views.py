from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from resources.selectors import projects_for_user


@require_GET
@login_required
def home(request):
    """The projects the signed-in user belongs to."""
    return render(request, "home.html", {"projects": projects_for_user(user=request.user)})


@require_GET
def healthz(request):
    """Liveness plus a database round trip, for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
