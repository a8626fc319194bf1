// The verdict panel: big green or red, the reason in plain words (Chinese first), a beep and a buzz.

export const EN = document.documentElement.lang === "en";
export const t = (zh, en) => (EN ? en : zh);
export const $ = (id) => document.getElementById(id);

// The festival's time zone (Settings.timezone), written into the page by the server.
const HM = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false,
                                               timeZone: document.documentElement.dataset.tz || undefined });
/** HH:MM at the venue, from an ISO time or Unix seconds. */
export const hm = (when) => HM.format(typeof when === "number" ? new Date(when * 1000) : new Date(when));
export const pick = (obj) => (obj && typeof obj === "object" ? (EN ? obj.en || obj.zh : obj.zh || obj.en) : obj) || "";
export const people = (n) => t(`${n} 人`, n === 1 ? "1 person" : `${n} people`);

// -- sound and vibration -----------------------------------------------------------------------

let audio = null;

/** Browsers allow sound only after a tap: called on the first pointerdown or key. */
export function unlockAudio() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
  } catch { audio = null; }
}

function tone(freq, start, dur, type = "sine") {
  const o = audio.createOscillator(), g = audio.createGain();
  o.type = type; o.frequency.value = freq;
  g.gain.setValueAtTime(0.25, audio.currentTime + start);
  g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + dur);
  o.connect(g).connect(audio.destination);
  o.start(audio.currentTime + start); o.stop(audio.currentTime + start + dur);
}

function signal(kind) {
  try {
    if (audio && audio.state === "running") {
      if (kind === "ok") tone(1320, 0, 0.12);
      else if (kind === "pending") { tone(880, 0, 0.08); tone(880, 0.12, 0.08); }
      else { tone(220, 0, 0.22, "square"); tone(180, 0.28, 0.3, "square"); }
    }
    if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 60 : kind === "pending" ? [40, 60, 40] : [160, 80, 160]);
  } catch { /* a verdict without sound is still a verdict */ }
}

// -- the panel -----------------------------------------------------------------------------------

let seq = 0;

/**
 * state: ok | refused | pending (a party to count) | idle. t0: performance.now() when decoding the
 * camera frame began; the time to the frame that paints this verdict goes to data-frame-ms.
 */
export function show(state, { head, sub = "", meta = "", reason = "", t0 = null, quiet = false }) {
  const v = $("verdict");
  v.className = `verdict ${state}`;
  v.dataset.state = state;
  v.dataset.reason = reason;
  v.dataset.seq = String(++seq);
  $("v-head").textContent = head;
  $("v-sub").textContent = sub;
  $("v-meta").textContent = meta;
  $("party").hidden = state !== "pending";
  if (state !== "idle" && !quiet) signal(state === "ok" ? "ok" : state === "pending" ? "pending" : "refused");
  delete v.dataset.frameMs;
  if (t0 != null) {
    const mine = seq;
    requestAnimationFrame(() => { if (seq === mine) v.dataset.frameMs = (performance.now() - t0).toFixed(1); });
  }
}

/** The words for a refusal reason (the server's codes, plus unknown_key, no_state for offline). */
export function refusalText(reason, d = {}) {
  switch (reason) {
    case "already_checked_in": {
      const at = d.first_at ? hm(d.first_at) : "";
      return { head: t(`已入场 ${at} ${d.first_gate || ""}`.trim(), `Already in ${at} ${d.first_gate || ""}`.trim()),
               sub: d.local ? t("本机记录", "this device's record") : "" };
    }
    case "revoked": return { head: t("票已取消", "Ticket cancelled") };
    case "seat_released": return { head: t("座位已释放给现场候补", "Seat released to standby"),
                                   sub: t("开场后未入场，座位已让给候补观众", "Not scanned by the start + grace") };
    case "wrong_venue": return { head: t("非本场馆", "Another venue's ticket") };
    case "activity_cancelled": return { head: t("活动已取消", "Activity cancelled") };
    case "invalid_time":
      return d.side === "too_late"
        ? { head: t("入场已结束", "Check-in has closed") }
        : { head: t("未到入场时间", "Too early"),
            sub: d.opens_at ? t(`${hm(d.opens_at)} 开始入场`, `Doors open at ${hm(d.opens_at)}`) : "" };
    case "unknown_key": return { head: t("无法离线核验", "Cannot check offline"),
                                 sub: t("未知密钥，请联网后再扫", "Unknown key: scan again when online") };
    case "no_state": return { head: t("无法离线核验", "Cannot check offline"),
                              sub: t("本机尚未同步密钥", "This device has no keys yet") };
    case "forbidden": return { head: t("此令牌无权扫码", "This token may not scan") };
    case "unauthorized": return { head: t("令牌无效，请重新登录", "Token not valid: sign in again") };
    default: return { head: t("无效票", "Not a valid ticket") };
  }
}
