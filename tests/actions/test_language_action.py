"""action_detect_language: the slot mapping action that keeps the conversation's language."""

from actions.actions import ActionDetectLanguage


def _language_after(tracker, dispatcher) -> str:
    events = ActionDetectLanguage().run(dispatcher, tracker, domain={})
    assert [e["event"] for e in events] == ["slot"]
    assert dispatcher.messages == []
    return events[0]["value"]


def test_detects_french_greeting(tracker_for, dispatcher):
    assert _language_after(tracker_for("bonjour", intent="greet"), dispatcher) == "fr"


def test_detects_dutch_need(tracker_for, dispatcher):
    assert _language_after(tracker_for("mijn moeder kan zich niet meer alleen wassen"), dispatcher) == "nl"


def test_channel_language_wins(tracker_for, dispatcher):
    tracker = tracker_for("mijn moeder kan zich niet meer wassen", metadata={"lang": "fr"})
    assert _language_after(tracker, dispatcher) == "fr"


def test_socketio_custom_data_language_wins(tracker_for, dispatcher):
    tracker = tracker_for("hallo", intent="greet", metadata={"customData": {"lang": "en"}})
    assert _language_after(tracker, dispatcher) == "en"


def test_explicit_choice_of_language(tracker_for, dispatcher):
    tracker = tracker_for(
        "in het Frans aub", intent="choose_language", slots={"language": "nl"},
        entities=[{"entity": "language", "value": "fr"}],
    )
    assert _language_after(tracker, dispatcher) == "fr"


def test_keeps_language_for_a_short_word_of_the_other_language(tracker_for, dispatcher):
    assert _language_after(tracker_for("merci", intent="thanks", slots={"language": "nl"}), dispatcher) == "nl"
