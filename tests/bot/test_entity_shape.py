"""bot/components/entity_shape.py: entities of the wrong shape are dropped, the others kept as they are.
The user's side (a child's age is not taken for a postcode) is checked through the stack in tests/e2e."""

from tests.bot.rasa_support import run_in_rasa

CHECK = """
from rasa.shared.nlu.training_data.message import Message
from bot.components.entity_shape import EntityShapeFilter

def entity(kind, value):
    return {"entity": kind, "value": value, "start": 0, "end": len(value), "extractor": "CRFEntityExtractor"}

shape = EntityShapeFilter(EntityShapeFilter.get_default_config())
cases = [
    ([entity("postcode", "15")], []),
    ([entity("postcode", "1030"), entity("postcode", "8")], [entity("postcode", "1030")]),
    ([entity("age", "8"), entity("age", "acht jaar")], [entity("age", "8")]),
    ([entity("commune", "schaerbeek"), entity("age", "1234")], [entity("commune", "schaerbeek")]),
    ([entity("target_group", "parent"), entity("target_group", "scheiding")], [entity("target_group", "parent")]),
    ([entity("language", "fr"), entity("language", "nederlandse")], [entity("language", "fr")]),
]
for given, kept in cases:
    message = Message(data={"text": "x", "entities": given})
    shape.process([message])
    assert message.get("entities") == kept, (given, message.get("entities"))
try:
    EntityShapeFilter({"patterns": ["postcode"]})
except ValueError:
    pass
else:
    raise AssertionError("a list of patterns was accepted")
print("ok")
"""


def test_drops_only_entities_of_the_wrong_shape():
    run_in_rasa(CHECK)
