"""Every table of the application, imported once so one metadata holds them all (Alembic, create_all).

Each feature owns its tables; this module only gathers them.
"""

from api.channel.models import Conversation, Message, PendingForget
from api.handover.models import HandoverAudit, HandoverCase
from common.db import Base
from common.staff_accounts import User
from dialogue.signal_models import Signal, SignalCategory, SignalCount, SignalEvent
from kb.models import Organization
from kb.models_versions import DirectoryVersion

__all__ = [
    "Base", "Conversation", "DirectoryVersion", "HandoverAudit", "HandoverCase", "Message", "Organization",
    "PendingForget", "Signal", "SignalCategory", "SignalCount", "SignalEvent", "User",
]
