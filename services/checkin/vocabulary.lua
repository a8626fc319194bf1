-- vocabulary.lua: GENERATED from services/checkin/vocabulary.py by `python -m shared.wordgen`; do not edit.
-- statuses and script outcomes
local STATUS = {
  OK = 'ok',
  DENIED = 'denied',
  CONFIRMED = 'confirmed',
  WAITING = 'waiting',
  CALLED = 'called',
  ADMITTED = 'admitted',
  CH_GROUP = 'group',
}
-- reason codes
local REASON = {
  REVOKED = 'revoked',
  ALREADY_CHECKED_IN = 'already_checked_in',
  UNKNOWN_CHECKIN = 'unknown_checkin',
  ALREADY_REVERTED = 'already_reverted',
  SEAT_RELEASED = 'seat_released',
  WRONG_GATE = 'wrong_gate',
  UNKNOWN_NUMBER = 'unknown_number',
  NOT_CALLED = 'not_called',
  ID_MISMATCH = 'id_mismatch',
  ID_REQUIRED = 'id_required',
}
-- topics
local TOPIC = {
  CHECKIN_EVENTS = 'checkin-events',
  STANDBY_EVENTS = 'standby-events',
}
-- event types
local EVENT = {
  CHECKIN_RECORDED = 'CheckinRecorded',
  CHECKIN_DENIED = 'CheckinDenied',
  CHECKIN_REVERTED = 'CheckinReverted',
  STANDBY_SEATS_RELEASED = 'StandbySeatsReleased',
  STANDBY_CALLED = 'StandbyCalled',
}
local SOURCE = 'checkin'
