from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse

from credits.forms import AdjustCreditsForm
from credits.models import CreditAccount, CreditTransaction
from credits.services import adjust_credits


class LedgerInline(admin.TabularInline):
    model = CreditTransaction
    fields = [
        "created_at",
        "kind",
        "amount",
        "balance_after",
        "job",
        "candidate_slot",
        "memo",
        "external_reference",
        "created_by",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = ["email", "balance", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__username"]
    readonly_fields = ["user", "balance", "updated_at"]
    inlines = [LedgerInline]
    actions = ["adjust_credits_action"]

    @admin.display(description="Creator", ordering="user__email")
    def email(self, account):
        return account.user.email or account.user.username

    def has_add_permission(self, request):
        return False

    @admin.action(description="Adjust credits", permissions=["change"])
    def adjust_credits_action(self, request, queryset):
        """Asks for an amount and a memo, then writes one adjustment row per account."""
        form = AdjustCreditsForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for account in queryset.select_related("user"):
                        adjust_credits(
                            user=account.user,
                            staff_user=request.user,
                            **form.cleaned_data,
                        )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    f"Adjusted {queryset.count()} account(s) by {form.cleaned_data['amount']:+d}.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Adjust credits",
            "opts": self.model._meta,
            "form": form,
            "accounts": queryset.select_related("user"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "credits/admin/adjust_credits.html", context)


@admin.register(CreditTransaction)
class CreditTransactionAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only; support adjusts through the account action."""

    list_display = ["created_at", "account", "kind", "amount", "balance_after", "job", "memo"]
    list_select_related = ["account__user", "job"]  # an account names its user
    list_filter = ["kind"]
    search_fields = ["account__user__email", "memo", "external_reference"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
