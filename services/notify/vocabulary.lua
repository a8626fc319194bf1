-- vocabulary.lua: GENERATED from services/notify/vocabulary.py by `python -m shared.wordgen`; do not edit.
local V = {
  CLAIMED = 'claimed',
  HANDOFF = 'handoff',
  SENT = 'sent',
  FAILED = 'failed',
  UNCERTAIN = 'uncertain',
  SKIPPED = 'skipped',
}
