from django.shortcuts import render
from django.views.decorators.http import require_GET

from credits.services import get_account


@require_GET
def history(request):
    account = get_account(user=request.user)
    rows = account.ledger.select_related("job__cut__project")[:200]
    return render(request, "credits/history.html", {"account": account, "rows": rows})
