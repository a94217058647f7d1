"""The Webhooks section of the settings: subscriptions, their secrets and delivery logs.

A new or rotated secret waits in the session for the next view of the subscription's page and
is shown there once; only the subscription itself keeps it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.permissions import model_permission
from webhooks import services
from webhooks.forms import SubscriptionForm
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookSubscription

SESSION_KEY = "webhook_secret"
DELIVERIES_PER_PAGE = 25
EVENT_LABELS = dict(EVENT_TYPES)


def _require(request, action: str) -> None:
    if not request.user.has_perm(model_permission(WebhookSubscription, action)):
        raise PermissionDenied


def _may(user) -> dict[str, bool]:
    return {
        action: user.has_perm(model_permission(WebhookSubscription, action))
        for action in ("add", "change", "delete")
    }


@login_required
@require_http_methods(["GET"])
def subscription_list(request):
    _require(request, "view")
    subscriptions = WebhookSubscription.objects.select_related("owner").order_by("name", "pk")
    return render(
        request,
        "webhooks/list.html",
        {"subscriptions": subscriptions, "may": _may(request.user)},
    )


def _form_data(form) -> dict:
    data = dict(form.cleaned_data)
    data["events"] = list(data["events"])
    return data


def _issue(request, subscription, secret: str) -> None:
    request.session[SESSION_KEY] = {"pk": subscription.pk, "secret": secret}
    messages.success(
        request, _("Here is the signing secret. Copy it now: it will not be shown again.")
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_create(request):
    _require(request, "add")
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription, secret = services.subscription_create(
                    user=request.user, **_form_data(form)
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                _issue(request, subscription, secret)
                return redirect("webhooks:detail", pk=subscription.pk)
        status = 400
    else:
        form = SubscriptionForm(initial={"owner": request.user.pk, "active": True})
        status = 200
    return render(
        request, "webhooks/form.html", {"form": form, "subscription": None}, status=status
    )


@login_required
@require_http_methods(["GET"])
def subscription_detail(request, pk):
    _require(request, "view")
    subscription = get_object_or_404(WebhookSubscription.objects.select_related("owner"), pk=pk)
    issued = request.session.get(SESSION_KEY)
    secret = None
    if issued and issued.get("pk") == subscription.pk:
        secret = request.session.pop(SESSION_KEY)["secret"]
    deliveries = WebhookDelivery.objects.filter(subscription=subscription).select_related("event")
    state = request.GET.get("state", "")
    if state in WebhookDelivery.State.values:
        deliveries = deliveries.filter(state=state)
    page = Paginator(deliveries.order_by("-pk"), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "webhooks/detail.html",
        {
            "subscription": subscription,
            "secret": secret,
            "page": page,
            "state": state,
            "states": WebhookDelivery.State.choices,
            "event_labels": [EVENT_LABELS.get(e, e) for e in subscription.events],
            "may": _may(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request, pk):
    _require(request, "change")
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    if request.method == "POST":
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                services.subscription_update(subscription=subscription, data=_form_data(form))
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Webhook saved."))
                return redirect("webhooks:detail", pk=subscription.pk)
        status = 400
    else:
        form = SubscriptionForm(
            initial={
                "name": subscription.name,
                "url": subscription.url,
                "events": subscription.events,
                "active": subscription.active,
                "owner": subscription.owner_id,
            }
        )
        status = 200
    return render(
        request,
        "webhooks/form.html",
        {"form": form, "subscription": subscription},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_delete(request, pk):
    _require(request, "delete")
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    if request.method == "POST":
        services.subscription_delete(subscription=subscription)
        messages.success(request, _("Webhook %(name)s deleted.") % {"name": subscription.name})
        return redirect("webhooks:list")
    return render(request, "webhooks/delete.html", {"subscription": subscription})


@login_required
@require_POST
def subscription_rotate_secret(request, pk):
    _require(request, "change")
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    subscription, secret = services.subscription_rotate_secret(subscription=subscription)
    _issue(request, subscription, secret)
    return redirect("webhooks:detail", pk=subscription.pk)


@login_required
@require_POST
def delivery_redeliver(request, pk, delivery_pk):
    _require(request, "change")
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("subscription", "event"),
        pk=delivery_pk,
        subscription_id=pk,
    )
    try:
        services.delivery_redeliver(delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The event is queued for delivery again."))
    return redirect("webhooks:detail", pk=pk)
