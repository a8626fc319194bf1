// The verdict panel: big green or red, the reason in plain words (Chinese first), a beep and a buzz.

import { EN, ngettext } from "./i18n.js";
import { REASON, REASONS, STATUS } from "./vocabulary.js";

export { EN };
export const $ = (id) => document.getElementById(id);

// The festival's time zone (Settings.timezone), written into the page by the server.
const HM = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false,
                                               timeZone: document.documentElement.dataset.tz || undefined });
/** HH:MM at the venue, from an ISO time or Unix seconds. */
export const hm = (when) => HM.format(typeof when === "number" ? new Date(when * 1000) : new Date(when));
// The day at the venue, written as the server writes it (admission.local_day): 5月30日, 30 May.
const DAY = new Intl.DateTimeFormat("en-GB", { month: "numeric", day: "numeric",
                                               timeZone: document.documentElement.dataset.tz || undefined });
// Chinese as 5月30日: the month spelt "long" in zh-CN is the number with 月.
const ZH_DAY = new Intl.DateTimeFormat("zh-CN", { month: "long", day: "numeric",
                                                  timeZone: document.documentElement.dataset.tz || undefined });
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function dayOf(s) {
  const parts = Object.fromEntries(DAY.formatToParts(new Date(s * 1000)).map((p) => [p.type, p.value]));
  return { month: Number(parts.month), day: Number(parts.day) };
}
/** The day of Unix seconds at the venue, in this page's language. */
export function day(s) {
  if (!EN) return ZH_DAY.format(new Date(s * 1000));
  const d = dayOf(s);
  return `${d.day} ${MONTHS[d.month - 1]}`;
}
const sameDay = (a, b) => day(a) === day(b);

export const pick = (obj) => (obj && typeof obj === "object" ? (EN ? obj.en || obj.zh : obj.zh || obj.en) : obj) || "";
export const people = (n) => ngettext("%(num)d person", "%(num)d people", n);

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
  if ($("undo")) $("undo").hidden = true;  // offered again by scan.js after an admission (lookup.js)
  if (state !== "idle" && !quiet) signal(state === "ok" ? "ok" : state === "pending" || state === "card" ? "pending" : "refused");
  delete v.dataset.frameMs;
  if (t0 != null) {
    const mine = seq;
    requestAnimationFrame(() => { if (seq === mine) v.dataset.frameMs = (performance.now() - t0).toFixed(1); });
  }
}

/** A text of the vocabulary in this page's language, its {placeholders} filled from `values`. */
export function say(words, values = {}) {
  return (EN ? words.en : words.zh).replace(/\{(\w+)\}/g, (m, k) => values[k] ?? "").replace(/\s+/g, " ").trim();
}

/**
 * The words for a refusal reason: the server's codes, plus unknown_key and no_state (offline).
 * Every text comes from vocabulary.js, generated from services/checkin/vocabulary.py.
 */
export function refusalText(reason, d = {}) {
  const r = REASONS[reason] || REASONS[REASON.INVALID];
  const more = r.more || {};
  switch (reason) {
    case REASON.ALREADY_CHECKED_IN:
      return { head: say(r, { at: d.first_at ? hm(d.first_at) : "", gate: d.first_gate || "" }),
               sub: d.local ? say(more.local) : "" };
    case REASON.INVALID_TIME: {
      // A ticket of another day names that day, so nobody is sent to wait for the wrong one.
      const now = d.now ?? (d.scanned_at ? Date.parse(d.scanned_at) / 1000 : Date.now() / 1000);
      if (d.side === STATUS.TOO_LATE) {
        const other = d.closes_at && !sameDay(now, d.closes_at);
        return { head: say(more.too_late), sub: other ? say(more.closed_on, { date: day(d.closes_at), at: hm(d.closes_at) }) : "" };
      }
      if (!d.opens_at) return { head: say(more.too_early) };
      return { head: say(more.too_early),
               sub: sameDay(now, d.opens_at) ? say(more.opens_at, { at: hm(d.opens_at) })
                 : say(more.opens_on, { date: day(d.opens_at), at: hm(d.opens_at) }) };
    }
    case REASON.WRONG_VENUE:
    case REASON.WRONG_GATE: {
      // Whose ticket it is, in words (offline too: the state names other venues' activities).
      const title = pick(d.title || d.activity_title);
      return { head: say(r), sub: title ? say(more.ticket_for, { title, venue: d.venue_name || "" }) : "" };
    }
    case REASON.BAD_SCAN_TIME:
      return { head: say(r), sub: more[d.variant] ? say(more[d.variant]) : "" };
    default:
      return { head: say(r), sub: more.hint ? say(more.hint) : "" };
  }
}
