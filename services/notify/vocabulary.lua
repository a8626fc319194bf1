-- vocabulary.lua: generated from services/notify/vocabulary.py by `python -m services.notify.vocabulary`; do not edit.
local V = {
  CLAIMED = 'claimed',
  HANDOFF = 'handoff',
  SENT = 'sent',
  FAILED = 'failed',
  UNCERTAIN = 'uncertain',
  SKIPPED = 'skipped',
}
