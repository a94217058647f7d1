"""Site settings are read once per request, and never kept past it or past a write."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from common import site_settings
from common.site_settings import RequestSettingsMiddleware

pytestmark = pytest.mark.django_db

KEY = "RETURNORDER_ENABLED"


def _in_request(view):
    """Run ``view()`` as a view behind the middleware; return what it returned."""
    seen = {}

    def get_response(request):
        seen["result"] = view()
        return HttpResponse()

    RequestSettingsMiddleware(get_response)(RequestFactory().get("/"))
    return seen["result"]


def test_a_setting_is_read_once_per_request(django_assert_num_queries):
    def view():
        with django_assert_num_queries(1):
            return [site_settings.get_value(KEY) for _ in range(3)]

    assert _in_request(view) == [False, False, False]


def test_outside_a_request_every_read_goes_to_the_database(django_assert_num_queries):
    with django_assert_num_queries(2):
        site_settings.get_value(KEY)
        site_settings.get_value(KEY)


def test_a_setting_written_in_the_request_is_read_again_each_time(django_assert_num_queries):
    def view():
        site_settings.get_value(KEY)
        site_settings.set_value(KEY, True)
        with django_assert_num_queries(2):
            return [site_settings.get_value(KEY), site_settings.get_value(KEY)]

    assert _in_request(view) == [True, True]


def test_a_locked_setting_is_read_under_the_lock(django_assert_num_queries):
    def view():
        site_settings.get_value(KEY)
        # Another writer changes it before this request takes the lock.
        from common.models import SiteSetting

        SiteSetting.objects.update_or_create(key=KEY, defaults={"value": "true"})
        site_settings.lock(KEY)
        return site_settings.get_value(KEY)

    assert _in_request(view) is True


def test_nothing_is_kept_after_a_request_that_raised(django_assert_num_queries):
    def get_response(request):
        site_settings.get_value(KEY)
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        RequestSettingsMiddleware(get_response)(RequestFactory().get("/"))
    site_settings.set_value(KEY, True)
    with django_assert_num_queries(1):
        assert site_settings.get_value(KEY) is True
