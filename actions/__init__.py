"""Rasa custom actions (rasa-sdk loads every module of this package): thin adapters from Rasa's tracker
to dialogue/ and kb/, never to api/.

They keep the conversation's state in slots: Rasa (bot/serve.py) sends them the current turn's events only
(from the citizen's latest message on), and they set only the slots whose value changes. Texts come from
the language catalogs (bot/catalog), through Rasa responses (`response=`) or, where the language is decided
in the same turn, through dialogue.i18n.
"""
