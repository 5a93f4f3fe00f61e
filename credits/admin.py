from django.contrib import admin

from credits.models import CreditAccount, CreditTransaction


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
    list_display = ["user", "balance", "updated_at"]
    search_fields = ["user__email", "user__username"]
    readonly_fields = ["user", "balance", "updated_at"]
    inlines = [LedgerInline]

    def has_add_permission(self, request):
        return False


@admin.register(CreditTransaction)
class CreditTransactionAdmin(admin.ModelAdmin):
    """Read-only: the ledger is append-only; support adjusts through the account action."""

    list_display = ["created_at", "account", "kind", "amount", "balance_after", "job", "memo"]
    list_filter = ["kind"]
    search_fields = ["account__user__email", "memo", "external_reference"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
