"""The bounce mailbox: reports mailed to the VERP bounce domain become delivery feedback.

``herald bounce-server`` runs :func:`~herald.delivery.inbound.server.start_server`, an SMTP
receiver for ``HERALD_BOUNCE_DOMAIN``'s MX. What it accepts goes to
:class:`~herald.delivery.inbound.service.Mailbox`:

- :mod:`.dsn`: RFC 3464 delivery status notifications (flufl.bounce for older formats);
- :mod:`.arf`: RFC 5965 complaint reports from feedback loops;
- :mod:`.unsubscribe`: ``List-Unsubscribe`` mailto requests;
- :mod:`.attribution`: whom a report concerns (the signed VERP token, else our Message-ID);
- :mod:`.parts` and :mod:`.report`: defensive MIME reading and the parsed report.

Reports become the same :class:`~herald.delivery.feedback.FeedbackEvent` values as provider
webhooks (providers ``dsn`` and ``arf``) and go through the same ingestion.
"""

from herald.delivery.inbound.service import Mailbox

__all__ = ["Mailbox"]
