// vocabulary.js: generated from services/checkin/vocabulary.py by `python -m services.checkin.vocabulary`; do not edit.

export const STATUS = {
  "OK": "ok",
  "DENIED": "denied",
  "CONFIRMED": "confirmed",
  "WAITLISTED": "waitlisted",
  "CANCELLED": "cancelled",
  "TOO_EARLY": "too_early",
  "TOO_LATE": "too_late",
  "PARTY": "party"
};

export const REASON = {
  "INVALID": "invalid",
  "REVOKED": "revoked",
  "ALREADY_CHECKED_IN": "already_checked_in",
  "WRONG_VENUE": "wrong_venue",
  "INVALID_TIME": "invalid_time",
  "ACTIVITY_CANCELLED": "activity_cancelled",
  "UNKNOWN_CHECKIN": "unknown_checkin",
  "ALREADY_REVERTED": "already_reverted",
  "UNKNOWN_ACTIVITY": "unknown_activity",
  "FORBIDDEN": "forbidden",
  "UNAUTHORIZED": "unauthorized",
  "UNKNOWN_KEY": "unknown_key",
  "NO_STATE": "no_state"
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
    "more": {}
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
      }
    }
  },
  "activity_cancelled": {
    "http": 409,
    "zh": "活动已取消",
    "en": "Activity cancelled",
    "more": {}
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
  }
};
