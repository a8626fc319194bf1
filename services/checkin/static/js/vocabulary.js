// vocabulary.js: GENERATED from services/checkin/vocabulary.py by `python -m shared.wordgen`; do not edit.

export const STATUS = {
  "OK": "ok",
  "DENIED": "denied",
  "CONFIRMED": "confirmed",
  "WAITLISTED": "waitlisted",
  "CANCELLED": "cancelled",
  "TOO_EARLY": "too_early",
  "TOO_LATE": "too_late",
  "PARTY": "party",
  "CARD": "card",
  "WAITING": "waiting",
  "CALLED": "called",
  "ADMITTED": "admitted"
};

export const REASON = {
  "INVALID": "invalid",
  "REVOKED": "revoked",
  "ALREADY_CHECKED_IN": "already_checked_in",
  "WRONG_VENUE": "wrong_venue",
  "INVALID_TIME": "invalid_time",
  "ACTIVITY_CANCELLED": "activity_cancelled",
  "WRONG_GATE": "wrong_gate",
  "BAD_SCAN_TIME": "bad_scan_time",
  "UNKNOWN_CHECKIN": "unknown_checkin",
  "ALREADY_REVERTED": "already_reverted",
  "UNKNOWN_ACTIVITY": "unknown_activity",
  "UNKNOWN_REGISTRATION": "unknown_registration",
  "SEAT_RELEASED": "seat_released",
  "STANDBY_NOT_OPEN": "standby_not_open",
  "STANDBY_CLOSED": "standby_closed",
  "PARTY_TOO_LARGE": "party_too_large",
  "RELEASE_NOT_DUE": "release_not_due",
  "UNKNOWN_NUMBER": "unknown_number",
  "NOT_CALLED": "not_called",
  "FORBIDDEN": "forbidden",
  "UNAUTHORIZED": "unauthorized",
  "UNKNOWN_KEY": "unknown_key",
  "NO_STATE": "no_state",
  "GATE_NOT_ALLOWED": "gate_not_allowed",
  "ID_MISMATCH": "id_mismatch",
  "ID_REQUIRED": "id_required",
  "UNDO_NOTE_REQUIRED": "undo_note_required"
};

export const REASONS = {
  "invalid": {
    "http": 400,
    "zh": "无效票",
    "en": "Not a valid ticket",
    "more": {}
  },
  "revoked": {
    "http": 409,
    "zh": "票已取消",
    "en": "Ticket cancelled",
    "more": {}
  },
  "already_checked_in": {
    "http": 409,
    "zh": "已入场 {at} {gate}",
    "en": "Already checked in {at} {gate}",
    "more": {
      "local": {
        "zh": "本机记录",
        "en": "this device's record"
      }
    }
  },
  "wrong_venue": {
    "http": 409,
    "zh": "非本场馆",
    "en": "Ticket is for another venue",
    "more": {
      "ticket_for": {
        "zh": "此票属于{venue}「{title}」",
        "en": "This ticket is for {title} at {venue}"
      }
    }
  },
  "invalid_time": {
    "http": 409,
    "zh": "不在入场时间",
    "en": "Outside the check-in window",
    "more": {
      "too_early": {
        "zh": "未到入场时间",
        "en": "Too early"
      },
      "too_late": {
        "zh": "入场已结束",
        "en": "Check-in has closed"
      },
      "opens_at": {
        "zh": "{at} 开始入场",
        "en": "Doors open at {at}"
      },
      "opens_on": {
        "zh": "本场在 {date} {at} 开始入场",
        "en": "Doors open on {date} at {at}"
      },
      "closed_on": {
        "zh": "本场已于 {date} {at} 结束",
        "en": "This session ended on {date} at {at}"
      }
    }
  },
  "activity_cancelled": {
    "http": 409,
    "zh": "活动已取消",
    "en": "Activity cancelled",
    "more": {}
  },
  "wrong_gate": {
    "http": 409,
    "zh": "此入口不接待该活动",
    "en": "This gate is not open for this activity",
    "more": {
      "ticket_for": {
        "zh": "此票属于「{title}」",
        "en": "This ticket is for {title}"
      }
    }
  },
  "bad_scan_time": {
    "http": 409,
    "zh": "扫码时间不被接受",
    "en": "Scan time not accepted",
    "more": {
      "future": {
        "zh": "扫码时间晚于现在",
        "en": "The scan time is in the future"
      },
      "before_online": {
        "zh": "扫码时间早于本机上次联网",
        "en": "The scan time is before this device was last online"
      },
      "no_mark": {
        "zh": "离线记录缺少联网凭据",
        "en": "The offline scan has no online mark"
      },
      "stale_mark": {
        "zh": "离线时间过长，请人工核对",
        "en": "Offline for too long: check by hand"
      }
    }
  },
  "unknown_checkin": {
    "http": 404,
    "zh": "没有这条入场记录",
    "en": "No such check-in",
    "more": {}
  },
  "already_reverted": {
    "http": 409,
    "zh": "该入场记录已撤销",
    "en": "This check-in was already undone",
    "more": {}
  },
  "unknown_activity": {
    "http": 404,
    "zh": "没有这个活动",
    "en": "No such activity",
    "more": {}
  },
  "unknown_registration": {
    "http": 404,
    "zh": "没有这个报名",
    "en": "No such registration",
    "more": {}
  },
  "seat_released": {
    "http": 409,
    "zh": "座位已释放给现场候补",
    "en": "Seat released to standby",
    "more": {
      "hint": {
        "zh": "开场后未入场，座位已让给候补观众",
        "en": "Not scanned by the start plus the grace period"
      }
    }
  },
  "standby_not_open": {
    "http": 409,
    "zh": "现场候补尚未开始",
    "en": "Standby has not opened yet",
    "more": {}
  },
  "standby_closed": {
    "http": 409,
    "zh": "现场候补已结束",
    "en": "Standby has closed",
    "more": {}
  },
  "party_too_large": {
    "http": 422,
    "zh": "人数超过上限",
    "en": "Party size exceeds the limit",
    "more": {}
  },
  "release_not_due": {
    "http": 409,
    "zh": "尚未到释放座位的时间",
    "en": "Seats are released at the start plus the grace period",
    "more": {}
  },
  "unknown_number": {
    "http": 404,
    "zh": "没有这个候补号",
    "en": "No such standby number",
    "more": {}
  },
  "not_called": {
    "http": 409,
    "zh": "该候补号尚未叫到",
    "en": "This standby number has not been called",
    "more": {}
  },
  "forbidden": {
    "http": 403,
    "zh": "此令牌无权扫码",
    "en": "This token may not scan",
    "more": {
      "other_venue": {
        "zh": "此令牌不属于该场馆",
        "en": "This token is for another venue"
      }
    }
  },
  "unauthorized": {
    "http": 401,
    "zh": "令牌无效，请重新登录",
    "en": "Token not valid: sign in again",
    "more": {}
  },
  "unknown_key": {
    "http": null,
    "zh": "无法离线核验",
    "en": "Cannot check offline",
    "more": {
      "hint": {
        "zh": "未知密钥，请联网后再扫",
        "en": "Unknown key: scan again when online"
      }
    }
  },
  "no_state": {
    "http": null,
    "zh": "无法离线核验",
    "en": "Cannot check offline",
    "more": {
      "hint": {
        "zh": "本机尚未同步密钥",
        "en": "This device has no keys yet"
      }
    }
  },
  "gate_not_allowed": {
    "http": 403,
    "zh": "此令牌不能在该入口使用",
    "en": "This token is not for this gate",
    "more": {}
  },
  "id_mismatch": {
    "http": 409,
    "zh": "证件与报名信息不符",
    "en": "ID card does not match the booking",
    "more": {
      "hint": {
        "zh": "此证件不属于该报名的任何成员",
        "en": "This card is not any member's of this booking"
      }
    }
  },
  "id_required": {
    "http": 409,
    "zh": "请读取证件",
    "en": "Read the ID card",
    "more": {
      "hint": {
        "zh": "实名报名：每位成员刷本人证件入场",
        "en": "Real-name booking: each member shows their own card"
      }
    }
  },
  "undo_note_required": {
    "http": 422,
    "zh": "请在备注中写明撤销入场的原因",
    "en": "Say in a note why this check-in is undone",
    "more": {}
  }
};
