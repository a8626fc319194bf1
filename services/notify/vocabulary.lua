-- vocabulary.lua: GENERATED from services/notify/vocabulary.py by `python -m shared.wordgen`; do not edit.
-- statuses and script outcomes
local STATUS = {
  CLAIMED = 'claimed',
  HANDOFF = 'handoff',
  SENT = 'sent',
  FAILED = 'failed',
  UNCERTAIN = 'uncertain',
  SKIPPED = 'skipped',
}
