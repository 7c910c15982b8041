"""The citizen channel's requests and answers (REST channel, conversation resource, widget texts)."""

from typing import Any

from pydantic import BaseModel, Field, RootModel, field_validator

from api.channel.conversation import MAX_MESSAGE_CHARS
from api.core.text_input import has_forbidden_characters, metadata_problem
from dialogue.vocabularies import Author, Language


class CitizenMessage(BaseModel):
    sender: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="The conversation id")
    message: str = Field(max_length=MAX_MESSAGE_CHARS)
    metadata: dict[str, Any] = Field(default_factory=dict, description="`lang`: nl, fr or en")

    @field_validator("message")
    @classmethod
    def _printable(cls, value: str) -> str:
        if has_forbidden_characters(value):
            raise ValueError("the message holds control characters: send plain text")
        return value

    @field_validator("metadata")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        problem = metadata_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class BotMessage(BaseModel):
    recipient_id: str
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    custom: dict[str, Any] | None = Field(None, description="`type`: one of the vocabulary custom_types")
    metadata: dict[str, Any] | None = Field(None, description="`lang`: the language of this reply")


class NewConversation(BaseModel):
    lang: Language | None = None


class StartedConversation(BaseModel):
    conversation_id: str
    token: str


class TranscriptMessage(BaseModel):
    author: Author
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    custom: dict[str, Any] | None = None
    at: str


class WidgetTexts(RootModel[dict[str, str]]):
    """Every `widget_*` text of the language's catalog, keyed without the prefix, plus `welcome_bilingual`."""
