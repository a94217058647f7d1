from django.conf import settings


def site(request):
    return {
        "instance_name": settings.BOOMERANG_INSTANCE_NAME,
        "boomerang_version": settings.BOOMERANG_VERSION,
    }
