"""The rasa_sdk action server's package: one module per concern.

rasa_sdk walks this package and registers every non-abstract `Action` subclass, so there is
no registry to keep. Actions stay thin: they read slots and metadata, call `bot.services`,
send responses by name and return events.
"""
