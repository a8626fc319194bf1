-- vocabulary.lua: generated from services/checkin/vocabulary.py by `python -m services.checkin.vocabulary`; do not edit.
local V = {
  OK = 'ok',
  DENIED = 'denied',
  REVOKED = 'revoked',
  ALREADY_CHECKED_IN = 'already_checked_in',
  UNKNOWN_CHECKIN = 'unknown_checkin',
  ALREADY_REVERTED = 'already_reverted',
  TOPIC = 'checkin-events',
  SOURCE = 'checkin',
  CHECKIN_RECORDED = 'CheckinRecorded',
  CHECKIN_DENIED = 'CheckinDenied',
  CHECKIN_REVERTED = 'CheckinReverted',
}
