// door_rules.js: GENERATED from services/checkin/door/rules.py by `python -m shared.wordgen`; do not edit.

export const DOOR_RULES = [
  {
    "name": "forged",
    "reason": "invalid",
    "online": "ticket",
    "offline": true,
    "variant": ""
  },
  {
    "name": "wrong_venue",
    "reason": "wrong_venue",
    "online": "use_case",
    "offline": true,
    "variant": ""
  },
  {
    "name": "gate_not_allowed",
    "reason": "gate_not_allowed",
    "online": "use_case",
    "offline": false,
    "variant": ""
  },
  {
    "name": "wrong_gate",
    "reason": "wrong_gate",
    "online": "atomic",
    "offline": true,
    "variant": ""
  },
  {
    "name": "activity_cancelled",
    "reason": "activity_cancelled",
    "online": "use_case",
    "offline": true,
    "variant": ""
  },
  {
    "name": "bad_scan_time",
    "reason": "bad_scan_time",
    "online": "use_case",
    "offline": false,
    "variant": ""
  },
  {
    "name": "too_early",
    "reason": "invalid_time",
    "online": "use_case",
    "offline": true,
    "variant": "too_early"
  },
  {
    "name": "too_late",
    "reason": "invalid_time",
    "online": "use_case",
    "offline": true,
    "variant": "too_late"
  },
  {
    "name": "replay",
    "reason": "",
    "online": "atomic",
    "offline": false,
    "variant": ""
  },
  {
    "name": "revoked",
    "reason": "revoked",
    "online": "atomic",
    "offline": true,
    "variant": ""
  },
  {
    "name": "party_reduced",
    "reason": "",
    "online": "use_case",
    "offline": true,
    "variant": ""
  },
  {
    "name": "already_inside",
    "reason": "already_checked_in",
    "online": "atomic",
    "offline": true,
    "variant": ""
  },
  {
    "name": "seat_released",
    "reason": "seat_released",
    "online": "atomic",
    "offline": true,
    "variant": ""
  },
  {
    "name": "card",
    "reason": "id_mismatch",
    "online": "atomic",
    "offline": true,
    "variant": ""
  },
  {
    "name": "party_stepping",
    "reason": "",
    "online": "atomic",
    "offline": true,
    "variant": ""
  }
];

export const DOOR_OFFLINE = [
  "wrong_venue",
  "wrong_gate",
  "activity_cancelled",
  "too_early",
  "too_late",
  "revoked",
  "party_reduced",
  "already_inside",
  "seat_released",
  "card",
  "party_stepping"
];
