"""bot/components/language_course.py: a language course taken for a choice of language becomes a need.
The user's side (the assistant looks for a course instead of switching language) is in tests/e2e."""

from tests.bot.rasa_support import run_in_rasa

CHECK = """
from rasa.shared.nlu.training_data.message import Message
from bot.components.language_course import LanguageCourseRule

rule = LanguageCourseRule(LanguageCourseRule.get_default_config())

def decided(text, intent):
    ranking = [{"name": intent, "confidence": 0.8}, {"name": "describe_need", "confidence": 0.1},
               {"name": "out_of_scope", "confidence": 0.1}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    rule.process([message])
    return message.get("intent")["name"], [r["name"] for r in message.get("intent_ranking")]

assert decided("cours de français le soir", "choose_language") == ("describe_need", ["describe_need", "out_of_scope"])
assert decided("lessen Nederlands", "choose_language")[0] == "describe_need"
assert decided("Dutch lessons for my wife", "choose_language")[0] == "describe_need"
assert decided("en français svp", "choose_language")[0] == "choose_language"
assert decided("je préfère parler néerlandais avec les enfants", "choose_language")[0] == "choose_language"
assert decided("cours de néerlandais", "greet")[0] == "greet"
try:
    LanguageCourseRule({**LanguageCourseRule.get_default_config(), "learning_words": []})
except ValueError:
    pass
else:
    raise AssertionError("an empty word list was accepted")
print("ok")
"""


def test_a_course_taken_for_a_language_choice_becomes_a_need():
    run_in_rasa(CHECK)
