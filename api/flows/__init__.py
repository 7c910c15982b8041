"""Work that crosses features, wired in one place when the app is created (`register`).

- The citizen channel asks the handover feature whether a person holds a conversation, tells it when the
  citizen comes and goes, and opens a case when the bot's reply asks for a person.
- Forgetting a conversation reaches every store (api.flows.retention).
- A change to a sociale kaart service resolves the open data-quality signals about it.
"""

from sqlalchemy.orm import Session

from api.channel.hooks import hooks as channel_hooks
from api.channel.models import Conversation
from api.flows.retention import forget_conversation
from api.handover import service as handover
from api.signals.triage import resolve_data_quality_signals
from common.config import Settings
from dialogue.vocabularies import CustomType
from kb.editing import versions


def _keeps_open(session: Session, conversation_id: str) -> bool:
    return handover.open_case_for(session, conversation_id) is not None


async def _forget_after_reply(session: Session, settings: Settings, events, conversation_id: str, _reply: dict) -> None:
    await forget_conversation(session, settings, events, conversation_id)


def _takes_citizen_message(session: Session, conversation: Conversation) -> bool:
    return handover.takes_citizen_message(session, conversation)


def register() -> None:
    """Connect the features (idempotent: every app created in one process registers the same hooks)."""
    channel_hooks.takes_citizen_message = _takes_citizen_message
    channel_hooks.keeps_open = _keeps_open
    channel_hooks.citizen_presence = handover.citizen_presence
    channel_hooks.forget = forget_conversation
    channel_hooks.after_reply[CustomType.FORGET_CONVERSATION] = _forget_after_reply
    channel_hooks.after_reply[CustomType.HANDOVER_REQUESTED] = handover.on_handover_requested
    if resolve_data_quality_signals not in versions.service_change_hooks:
        versions.service_change_hooks.append(resolve_data_quality_signals)
