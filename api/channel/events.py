"""Where live events of a conversation go (the socket.io server; see api.channel.realtime)."""

from typing import Any, Protocol


class ConversationEvents(Protocol):
    async def bot_uttered(self, conversation_id: str, reply: dict[str, Any], author: str = "bot") -> None: ...

    async def forgotten(self, conversation_id: str) -> None: ...

    async def assistant_typing(self, conversation_id: str, typing: bool) -> None: ...

    async def assistant_slow(self, conversation_id: str, lang: str) -> None: ...


class NoLiveEvents:
    """For callers without live clients (the command line, unit tests)."""

    async def bot_uttered(self, conversation_id: str, reply: dict[str, Any], author: str = "bot") -> None:
        return None

    async def forgotten(self, conversation_id: str) -> None:
        return None

    async def assistant_typing(self, conversation_id: str, typing: bool) -> None:
        return None

    async def assistant_slow(self, conversation_id: str, lang: str) -> None:
        return None
