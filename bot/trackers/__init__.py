"""Rasa tracker stores: where conversations are kept."""
