"""Custom Rasa NLU components; referenced by module path from config.yml.

Nothing is imported here on purpose: importing Rasa is slow, and the components
register themselves with Rasa when their own module is imported.
"""
