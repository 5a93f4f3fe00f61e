"""dj-stripe webhook receivers. dj-stripe verifies the signature and stores the Event; a
replayed event never reaches these receivers, and the ledger's unique reference stops a
duplicated one."""

from django.dispatch import receiver
from djstripe.models import Event
from djstripe.signals import WEBHOOK_SIGNALS

from credits.checkout import credit_checkout_session


@receiver(WEBHOOK_SIGNALS["checkout.session.completed"], sender=Event)
@receiver(WEBHOOK_SIGNALS["checkout.session.async_payment_succeeded"], sender=Event)
def credit_paid_checkout(sender, event: Event, **kwargs) -> None:
    # Card payments are paid at completion; slower methods report success afterwards.
    credit_checkout_session(session=event.data["object"])
