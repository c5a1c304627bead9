"""Alerts: outbox, watchlists, email rendering, SMTP delivery and dry-run `.eml` files.

Typical use in a nightly run::

    groups = groups_from_env(smtp=smtp)            # REGWATCH_WATCHLISTS + REGWATCH_ALERT_TO
    enqueue_fr_changes(wh.con, loaded_document_numbers, groups, now=now)   # in the load tx
    report = deliver_pending(wh.con, smtp, dry_run=False, outbox_dir=outbox, now=now)
"""

from regwatch.alerts.config import (
    RecipientGroup,
    Secret,
    SmtpSettings,
    groups_from_env,
    load_groups,
)
from regwatch.alerts.delivery import (
    DEFAULT_OUTBOX_DIR,
    BatchResult,
    DeliveryReport,
    connect_smtp,
    deliver_pending,
)
from regwatch.alerts.outbox import (
    designation_key,
    enqueue_fr_changes,
    enqueue_notice,
    enqueue_upcoming,
    is_entity_list_amendment,
)
from regwatch.alerts.pending import PendingSummary, pending_summary
from regwatch.alerts.schema import ensure_outbox

__all__ = [
    "DEFAULT_OUTBOX_DIR",
    "BatchResult",
    "DeliveryReport",
    "PendingSummary",
    "RecipientGroup",
    "Secret",
    "SmtpSettings",
    "connect_smtp",
    "deliver_pending",
    "designation_key",
    "enqueue_fr_changes",
    "enqueue_notice",
    "enqueue_upcoming",
    "ensure_outbox",
    "groups_from_env",
    "is_entity_list_amendment",
    "load_groups",
    "pending_summary",
]
