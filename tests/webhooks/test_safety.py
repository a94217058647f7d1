"""Internal targets are refused when saved and again before each delivery, unless allowed."""

import socket
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from webhooks import safety, services
from webhooks.models import WebhookDelivery, WebhookSubscription

REFUSED = {
    "loopback": ["127.0.0.1", "127.8.9.10", "[::1]"],
    "private": ["10.0.0.1", "172.16.5.4", "192.168.1.1", "[fc00::1]", "[fd12:3456::1]"],
    "link-local": ["169.254.169.254", "[fe80::1]"],
    "multicast": ["224.0.0.1", "239.255.255.250", "[ff02::1]"],
    "reserved": ["240.0.0.1", "255.255.255.255"],
    "unspecified": ["0.0.0.0", "[::]"],
    "IPv4-mapped": ["[::ffff:127.0.0.1]", "[::ffff:10.0.0.1]", "[::ffff:169.254.169.254]"],
}
CASES = [(kind, host) for kind, hosts in REFUSED.items() for host in hosts]


def resolving_to(*addresses):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return mock.patch("webhooks.safety.socket.getaddrinfo", side_effect=fake)


@pytest.mark.parametrize(("kind", "host"), CASES, ids=[f"{k}-{h}" for k, h in CASES])
def test_an_internal_literal_address_is_refused(settings, kind, host):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as caught:
        safety.check_url(f"https://{host}/hook")
    assert "internal addresses" in caught.value.messages[0]


@pytest.mark.parametrize(("kind", "host"), CASES, ids=[f"{k}-{h}" for k, h in CASES])
def test_a_name_resolving_to_an_internal_address_is_refused(settings, kind, host):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with resolving_to(host.strip("[]")), pytest.raises(ValidationError):
        safety.check_url("https://hooks.example.com/in")


def test_a_name_with_one_internal_address_among_public_ones_is_refused(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with resolving_to("93.184.216.34", "10.1.2.3"), pytest.raises(ValidationError):
        safety.check_url("https://hooks.example.com/in")


def test_a_public_name_is_accepted_and_the_checked_address_is_used(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with resolving_to("93.184.216.34"):
        target = safety.check_url("https://hooks.example.com:8443/in?x=1")
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/in?x=1")
    assert target.address == "93.184.216.34"
    assert safety.check_url("http://[2606:2800:220:1:248:1893:25c8:1946]/").port == 80


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/x", "file:///etc/passwd", "gopher://93.184.216.34/", "93.184.216.34/x",
     "http:///nohost", "http://user:pw@93.184.216.34/", "http://93.184.216.34:99999/"],
)  # fmt: skip
def test_only_plain_http_and_https_urls(settings, url):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError):
        safety.check_url(url)


def test_an_unresolvable_host_is_refused(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with (
        mock.patch("webhooks.safety.socket.getaddrinfo", side_effect=socket.gaierror("no")),
        pytest.raises(ValidationError, match="cannot be resolved"),
    ):
        safety.check_url("https://nowhere.invalid/")


def test_the_allow_list_takes_host_names_and_networks(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.internal", "10.20.0.0/16", "fd00::/8"]
    with resolving_to("10.99.0.1"):
        assert safety.check_url("http://hooks.internal/x").address == "10.99.0.1"
    assert safety.check_url("http://10.20.3.4/x")
    assert safety.check_url("http://[fd00::5]/x")
    assert safety.check_url("http://[::ffff:10.20.3.4]/x")
    with pytest.raises(ValidationError):
        safety.check_url("http://10.21.0.1/x")
    with resolving_to("10.99.0.1"), pytest.raises(ValidationError):
        safety.check_url("http://other.internal/x")


@pytest.mark.django_db
def test_saving_names_the_url_field(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError) as caught:
        services.subscription_create(
            user=None, name="x", url="http://169.254.169.254/", events=["return_order.created"]
        )
    assert list(caught.value.message_dict) == ["url"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_the_target_is_checked_again_before_each_delivery(receiver, subscribe, committed, settings):
    subscribe()
    settings.WEBHOOK_ALLOWED_HOSTS = []  # allowed when saved, not any more
    with committed():
        event = services.event_emit(event_type="return_order.created", data={}, ordering_key="k")
    delivery = event.deliveries.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert "internal addresses" in delivery.error
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_name_rebound_to_an_internal_address_after_saving_is_not_sent(
    receiver, subscribe, committed, settings
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with resolving_to("93.184.216.34"):
        subscribe(url="http://hooks.example.com/in")
    with resolving_to("127.0.0.1"), committed():
        event = services.event_emit(event_type="return_order.created", data={}, ordering_key="k")
    delivery = event.deliveries.get()
    assert delivery.state == WebhookDelivery.State.FAILED
    assert receiver.requests == []


@pytest.mark.parametrize(
    "host",
    ["[64:ff9b::a00:1]", "[64:ff9b::7f00:1]", "[2002:a00:1::1]", "[2002:a9fe:a9fe::1]"],
    ids=["nat64-private", "nat64-loopback", "6to4-private", "6to4-link-local"],
)
def test_ipv6_forms_of_internal_ipv4_addresses_are_refused(settings, host):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(ValidationError):
        safety.check_url(f"http://{host}/x")


@pytest.mark.django_db
def test_a_name_that_stops_resolving_is_retried(receiver, subscribe, committed, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with resolving_to("93.184.216.34"):
        subscribe(url="http://hooks.example.com/in")
    with (
        mock.patch("webhooks.safety.socket.getaddrinfo", side_effect=socket.gaierror("down")),
        committed(),
    ):
        event = services.event_emit(event_type="return_order.created", data={}, ordering_key="k")
    delivery = event.deliveries.get()
    assert delivery.state == WebhookDelivery.State.RETRYING
    assert "cannot be resolved" in delivery.error
