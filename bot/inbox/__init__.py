"""The trainers' review inbox: what the bot got wrong or was unsure of, redacted, merged
and grouped, waiting for a label. See `service` (record, list, decide), `broker` (Rasa's
event broker that feeds it) and `grouping`."""
