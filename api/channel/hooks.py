"""What other features do when something happens in a citizen's conversation.

The channel knows nothing of handover cases or retention: api.flows fills these hooks when the app is
created. The defaults are what the channel does on its own (no case holds a conversation, nothing else
reacts to a reply), which is also what a unit test of the channel alone gets.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api.channel.events import ConversationEvents
from api.channel.models import Conversation
from common.config import Settings

# After a bot reply whose custom.type is a key of `after_reply` was delivered, its handler runs.
CustomTypeHandler = Callable[[Session, Settings, ConversationEvents, str, dict[str, Any]], Awaitable[None]]
Forget = Callable[[Session, Settings, ConversationEvents, str], Awaitable[None]]


def _no_one_holds(_session: Session, _conversation: Conversation) -> bool:
    return False


def _not_held(_session: Session, _conversation_id: str) -> bool:
    return False


def _nobody_watches(_session: Session, _conversation_id: str, _present: bool) -> None:
    return None


@dataclass
class ChannelHooks:
    # A person at the onthaal holds the conversation: the citizen's message is theirs, not Rasa's.
    takes_citizen_message: Callable[[Session, Conversation], bool] = _no_one_holds
    # Something (an open handover case) keeps a silent conversation's token valid past the idle limit.
    keeps_open: Callable[[Session, str], bool] = _not_held
    # The citizen's client connected (True) or left (False).
    citizen_presence: Callable[[Session, str, bool], None] = _nobody_watches
    # Forget a conversation in every store (the DELETE route and the bot's forget_conversation reply).
    forget: Forget | None = None
    after_reply: dict[str, CustomTypeHandler] = field(default_factory=dict)


hooks = ChannelHooks()
