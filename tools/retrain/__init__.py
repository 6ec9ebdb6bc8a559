"""`cim train` and `cim rollback`: the trainers' labels into a new model, gated, hot-loaded,
recorded. A job that runs in its own process (the trainer page starts `cim train`), so it is
tooling: the runtime only reads what it leaves behind (bot/trainer: the labels still pending,
the `training_runs` rows, the latest simulation run).

1. The labels no accepted run has taken yet are applied to a copy of the workspace.
2. The gate (gate.py) cross-validates the NLU before and after (the "before" result is cached
   by the data's hash). Intent accuracy may drop by at most `max_accuracy_drop` (0.5 points),
   the conflict type's recall may not drop at all.
3. The candidate model is trained; the conversation tests (`rasa test core
   --fail-on-prediction-errors`) must pass, and so must every NLU regression example
   (candidate.py). Then the simulated customers play the candidate and the served model on a
   private stack (simulation_gate.py; CIM_TRAIN_SIMULATE=0 skips it).
4. Accepted: the labels are written into the real data (in place, `bot.trainer.data_files`),
   the model becomes `current.tar.gz` (the old one `previous.tar.gz`), the running server
   loads it through Rasa's `PUT /model` without dropping a conversation (serving.py), and the
   run is recorded with who, when, what changed and the metric deltas: a git commit where the
   data is in a git repository (workspace.py), and always a `training_runs` row (record.py).
   Refused: nothing changes but the record, which says why.

job.py ties the steps together.
"""
