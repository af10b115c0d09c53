from django.conf import settings


def site(request):
    """Values every page needs: whether this is the sandbox (banner on every page), and
    whether the sign-in page offers local passwords."""
    return {"PAM_SANDBOX": settings.PAM_SANDBOX, "PAM_LOCAL_LOGIN": settings.PAM_LOCAL_LOGIN}
