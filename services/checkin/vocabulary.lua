-- vocabulary.lua: GENERATED from services/checkin/vocabulary.py by `python -m shared.wordgen`; do not edit.
local V = {
  OK = 'ok',
  DENIED = 'denied',
  REVOKED = 'revoked',
  ALREADY_CHECKED_IN = 'already_checked_in',
  UNKNOWN_CHECKIN = 'unknown_checkin',
  ALREADY_REVERTED = 'already_reverted',
  SEAT_RELEASED = 'seat_released',
  WRONG_GATE = 'wrong_gate',
  CONFIRMED = 'confirmed',
  UNKNOWN_NUMBER = 'unknown_number',
  NOT_CALLED = 'not_called',
  WAITING = 'waiting',
  CALLED = 'called',
  ADMITTED = 'admitted',
  STANDBY_TOPIC = 'standby-events',
  STANDBY_SEATS_RELEASED = 'StandbySeatsReleased',
  STANDBY_CALLED = 'StandbyCalled',
  TOPIC = 'checkin-events',
  SOURCE = 'checkin',
  CHECKIN_RECORDED = 'CheckinRecorded',
  CHECKIN_DENIED = 'CheckinDenied',
  CHECKIN_REVERTED = 'CheckinReverted',
  ID_MISMATCH = 'id_mismatch',
  ID_REQUIRED = 'id_required',
}

local DOOR_STEPS = {'wrong_gate', 'given', 'replay', 'revoked', 'already_inside', 'seat_released', 'card', 'party_stepping'}
