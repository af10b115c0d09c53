from django.conf import settings


def site(request):
    """Values every page needs: whether this is the sandbox (banner on every page)."""
    return {"PAM_SANDBOX": settings.PAM_SANDBOX}
