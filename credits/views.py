from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from credits.checkout import purchase_for_session, start_checkout
from credits.forms import CheckoutForm
from credits.services import get_account

HISTORY_PAGE_SIZE = 50


@require_GET
def history(request):
    account = get_account(user=request.user)
    rows = account.ledger.select_related("job__cut__project", "created_by")
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "credits/history.html", {"account": account, "page": page})


@require_POST
def checkout(request):
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the credit packages.")
        return redirect("credits:history")
    success_url = request.build_absolute_uri(reverse("credits:checkout_success"))
    try:
        url = start_checkout(
            user=request.user,
            package_key=form.cleaned_data["package"],
            # Stripe fills in the session id, so the success page can tell when it is credited.
            success_url=f"{success_url}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=request.build_absolute_uri(reverse("credits:checkout_cancel")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("credits:history")
    return redirect(url)


@require_GET
def checkout_success(request):
    session_id = request.GET.get("session_id", "")[:255]
    purchase = purchase_for_session(user=request.user, session_id=session_id)
    template = "credits/checkout_success.html"
    if request.htmx:
        template += "#purchase-status"
    return render(
        request,
        template,
        {
            "purchase": purchase,
            "session_id": session_id,
            "account": get_account(user=request.user),
        },
    )


@require_GET
def checkout_cancel(request):
    return render(request, "credits/checkout_cancel.html")
