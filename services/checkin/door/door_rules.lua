-- door_rules.lua: GENERATED from services/checkin/door/rules.py by `python -m shared.wordgen`; do not edit.
local DOOR_STEPS = {'wrong_gate', 'given', 'replay', 'revoked', 'already_inside', 'seat_released', 'card', 'party_stepping'}
local DOOR_CARDS_WAIVED = {[STATUS.CH_GROUP] = true}
