"""The operations the chatbot's actions call.

Every function takes a unit of work first and keyword-only arguments, and returns
frozen views from `bot.services.views` (never ORM objects), so actions cannot reach the
database behind the service's back. Bad input yields None or `Outcome(ok=False)`.
"""
