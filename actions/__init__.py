"""Rasa custom actions: thin adapters from Rasa's tracker to kb/ and the API's service layer."""
