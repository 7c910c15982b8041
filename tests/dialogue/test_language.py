"""Language detection on short chat messages, how a conversation keeps its language, and the language
the API puts on the assistant's replies (metadata.lang) so that the widget can follow it."""

import asyncio
from collections import Counter

import httpx
import pytest
import yaml

from api.channel import conversation as conversation_service
from api.channel.conversation import handle_citizen_message, start_conversation, transcript
from api.channel.models import Conversation
from api.channel.rasa_client import RasaClient
from api.channel.realtime import socket_messages
from common.config import REPO_ROOT, Settings, load_settings
from dialogue import language
from dialogue.language import (
    SUPPORTED,
    SWITCH_MIN_WORDS,
    WORD_RE,
    Detection,
    conversation_language,
    detect_language,
)

SHORT_MESSAGES = yaml.safe_load((REPO_ROOT / "tests" / "data" / "language_short_messages.yaml").read_text())


def test_short_message_accuracy_per_language():
    total, correct = Counter(), Counter()
    for item in SHORT_MESSAGES:
        total[item["lang"]] += 1
        correct[item["lang"]] += detect_language(item["text"]).lang == item["lang"]
    accuracy = {lang: correct[lang] / total[lang] for lang in total}
    print("short-message language detection accuracy:", {k: round(v, 3) for k, v in accuracy.items()})
    assert total["nl"] >= 150 and total["fr"] >= 150
    assert accuracy["nl"] >= 0.95 and accuracy["fr"] >= 0.95 and accuracy["en"] >= 0.9


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "12345", "!!! ???"])
def test_nothing_to_go_on_gives_no_language(text):
    assert detect_language(text) == Detection(None, 0.0)
    assert conversation_language(text, current="fr") == "fr"
    assert conversation_language(text, current=None) == "nl"


def test_channel_choice_wins():
    assert conversation_language("ik zoek een huisarts in Schaarbeek", current="nl", requested="fr") == "fr"


def test_conversation_keeps_its_language_for_short_or_mixed_messages():
    assert conversation_language("merci", current="nl") == "nl"
    assert conversation_language("ok", current="fr") == "fr"
    assert conversation_language("ik zoek een aide familiale", current="nl") == "nl"


def test_conversation_switches_when_the_citizen_clearly_writes_another_language():
    assert conversation_language("je cherche de l'aide pour payer mon loyer", current="nl") == "fr"
    assert conversation_language("ik kan mijn huur niet meer betalen", current="fr") == "nl"


def test_first_message_sets_the_language():
    assert conversation_language("bonjour", current=None) == "fr"
    assert conversation_language("goeiedag", current=None) == "nl"
    assert conversation_language("hello", current=None) == "en"


# --- guarantees of the rule, whatever the models say ---------------------------------------------------


@pytest.mark.parametrize("text", ["Ich brauche bitte Hilfe mit meiner Wohnung", "necesito ayuda con mi alquiler",
                                  "<script>alert('x')</script>", "Schaerbeek Molenbeek Anderlecht Etterbeek"])
def test_only_supported_languages_come_out(text):
    assert detect_language(text).lang in SUPPORTED
    assert detect_language(text) == detect_language(text)  # the same answer every time


@pytest.mark.parametrize("text", ["merci beaucoup", "thank you", "bonjour madame", "ok merci"])
def test_two_words_never_leave_the_conversations_language(text):
    assert len(WORD_RE.findall(text)) < SWITCH_MIN_WORDS
    assert conversation_language(text, current="nl") == "nl"


@pytest.mark.parametrize("text", ["<script>alert('pwned')</script> <b>bold</b>", "Schaerbeek Molenbeek Anderlecht",
                                  "Jan Peeters Marie Dubois John Smith", "Rue Royale Koningsstraat Bruxelles"])
def test_without_words_of_another_language_the_conversation_stays(text):
    """Character statistics alone never switch: code, names and places carry no marker words."""
    for current in SUPPORTED:
        detection = detect_language(text)
        if detection.lang != current:
            assert detection.marker_words == 0
        assert conversation_language(text, current=current) == current


def test_the_lingua_detector_is_built_once_and_knows_only_the_supported_languages():
    assert language._lingua() is language._lingua()
    assert sorted(language.LINGUA_LANGUAGES.values()) == sorted(SUPPORTED)


# --- the language of the assistant's replies (api.channel.conversation) --------------------------------


def scripted_rasa(monkeypatch, metadata: object) -> tuple[Settings, list[str]]:
    """Rasa replaced by a scripted transport: the webhook answers one text with this `metadata`
    (bot/serve.py puts the `language` slot there as metadata.lang)."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        reply = {"recipient_id": "x", "text": "Bonjour !\n\nQue puis-je faire ?"}
        if metadata is not None:
            reply["metadata"] = metadata
        return httpx.Response(200, json=[reply])

    settings = load_settings(gbo_env="test", rasa_url="http://rasa.test:5005")
    client = RasaClient(settings, transport=httpx.MockTransport(handler))
    monkeypatch.setattr(conversation_service, "rasa_client", lambda _settings: client)
    return settings, calls


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def bot_uttered(self, conversation_id: str, reply: dict, author: str = "bot") -> None:
        self.sent.extend(socket_messages(reply, author))

    async def assistant_typing(self, conversation_id: str, typing: bool) -> None:
        return None

    async def assistant_slow(self, conversation_id: str, lang: str) -> None:
        return None

    async def forgotten(self, conversation_id: str) -> None:
        return None


def test_replies_carry_the_language_the_assistant_chose(db_session, monkeypatch):
    """The assistant's `language` slot decides (it chose the reply's texts), not the API's own guess:
    here the conversation was opened in Dutch and the citizen's message is too short to switch on."""
    settings, calls = scripted_rasa(monkeypatch, {"lang": "fr"})
    conversation = start_conversation(db_session, "socketio", "nl").conversation
    events = Recorder()
    replies = asyncio.run(handle_citizen_message(db_session, settings, events, conversation, "ok", None))
    assert calls == ["/webhooks/rest/webhook"]  # one call per message: no tracker read afterwards
    assert [r["metadata"] for r in replies] == [{"lang": "fr"}]
    # socket.io: every part of the reply says its language, and nothing else changes shape
    assert events.sent == [{"text": "Bonjour !", "metadata": {"lang": "fr"}},
                           {"text": "Que puis-je faire ?", "metadata": {"lang": "fr"}}]
    assert db_session.get(Conversation, conversation.id).language == "fr"  # the API's fallbacks follow it too
    stored = transcript(db_session, conversation.id)
    assert all("metadata" not in m for m in stored)  # the transcript keeps no more than before


@pytest.mark.parametrize("metadata", [None, {}, {"lang": "de"}, {"lang": None}, "fr"])
def test_when_rasa_does_not_say_the_api_estimates_by_the_same_rule(db_session, monkeypatch, metadata):
    settings, _calls = scripted_rasa(monkeypatch, metadata)
    conversation = start_conversation(db_session, "rest", "nl").conversation
    replies = asyncio.run(handle_citizen_message(db_session, settings, Recorder(), conversation, "ok", None))
    assert [r["metadata"] for r in replies] == [{"lang": "nl"}]  # "ok" is too short to leave Dutch


def test_a_worker_message_keeps_its_author_and_gets_no_language():
    assert socket_messages({"text": "Ik neem het over."}, author="worker") == [
        {"text": "Ik neem het over.", "metadata": {"author": "worker"}}]
    assert socket_messages({"text": "Hallo", "metadata": {"lang": "nl"}}) == [
        {"text": "Hallo", "metadata": {"lang": "nl"}}]


def test_the_apis_estimate_never_loads_lingua(db_session, monkeypatch):
    """The API estimates only when Rasa cannot say: lingua's 110 MB stay out of every API process."""
    def no_lingua():
        raise AssertionError("lingua loaded")

    monkeypatch.setattr(language, "_lingua", no_lingua)
    conversation = start_conversation(db_session, "rest").conversation
    assert conversation_service.answer_language(conversation, "bonjour, je cherche un médecin pour ma fille",
                                                None) in SUPPORTED
    assert conversation_service.answer_language(conversation, "/request_human", None) == "nl"  # a payload: default
    assert detect_language("ik zoek een huisarts", light=True).lang in SUPPORTED
