import factory

from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    """A subscription to a public literal address (no name to resolve)."""

    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"Hook {n}")
    url = "https://93.184.216.34/hook"
    events = factory.LazyFunction(lambda: ["return_order.created"])
    secret = factory.LazyFunction(services.secret_generate)


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    type = "return_order.created"
    message_id = factory.Sequence(lambda n: f"msg_test{n}")
    payload = factory.LazyFunction(lambda: {"type": "return_order.created", "data": {}})
    ordering_key = "return_order:1"


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = factory.SubFactory(WebhookEventFactory)
    ordering_key = factory.SelfAttribute("event.ordering_key")
    state = WebhookDelivery.State.DELIVERED
    attempts = 1
    response_status = 200
