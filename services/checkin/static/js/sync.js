// Talking to the check-in API: the scanner state (keys, activities, cancellations) every few
// seconds, online or offline, and the upload of the offline queue, exactly once.

import { KeySet } from "./ticket.js";
import { book } from "./doorbook.js";
import { refusalText } from "./verdict.js";
import { _ } from "./i18n.js";
import { REASON } from "./vocabulary.js";

const REQUEST_TIMEOUT_MS = 4000;

/** online: null until known. keys: the KeySet from the last state. Hooks are set by scan.js. */
export const net = { online: null, keys: null, onChange: () => {}, onUnauthorized: () => {} };

export function setOnline(v) {
  // An answer to a request sent just before the network went away must not show 在线 on a
  // device that knows it is offline (seen in CI: the scanner flipped back to online).
  if (v && navigator.onLine === false) v = false;
  if (net.online !== v) { net.online = v; net.onChange(); }
}
// The device says when it loses the network: the door is judged offline at once.
if (typeof window !== "undefined") window.addEventListener("offline", () => setOnline(false));

export const gate = () => (book.auth() || {}).gate || "";

/** Fetch with the staff token and a timeout; throws on no answer (network down, timeout). */
export async function api(path, { method = "GET", body, token, timeout = REQUEST_TIMEOUT_MS } = {}) {
  const auth = token || (book.auth() || {}).token || "";
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  try {
    const headers = { Authorization: `Bearer ${auth}`, Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined,
                                     signal: ctrl.signal, cache: "no-store", credentials: "omit" });
    let data = null;
    try { data = await resp.json(); } catch { data = null; }
    return { status: resp.status, body: data };
  } finally { clearTimeout(timer); }
}

/** A verdict: 2xx, or a 4xx that a retry would not change. 401 (sign in), 408 and 429 are not. */
export function definite(status) {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && ![401, 408, 429].includes(status));
}

export const stateUrl = (g) => `/api/v1/scanner/state?gate=${encodeURIComponent(g)}`;

export function applyState(s) {
  s.skew_ms = Date.parse(s.server_time) - Date.now();  // the server's clock judges the window
  s.fetched_at = Date.now();
  book.setState(s);
  net.keys = new KeySet(s.keys);
}

export function loadKeys() {
  const st = book.state();
  net.keys = st ? new KeySet(st.keys) : null;
}

let syncing = false, flushing = false;

/** Refresh the state; if the server answers and the queue is not empty, upload it. */
export async function refresh() {
  if (!book.auth() || syncing) return;
  if (navigator.onLine === false) { setOnline(false); return; }
  syncing = true;
  let again = false;
  try {
    const r = await api(stateUrl(gate()));
    if (r.status === 200) {
      applyState(r.body);
      setOnline(true);
      again = book.queue().length > 0 && await flush();  // the gate count changed: fetch it again
    } else if (r.status === 401) {
      setOnline(true);  // the server answered: the token was revoked. The queue stays.
      net.onUnauthorized();
    } else {
      setOnline(false);
    }
  } catch {
    setOnline(false);
  } finally {
    syncing = false;
    net.onChange();
  }
  if (again) refreshSoon();
}

export function refreshSoon() { setTimeout(refresh, 50); }

function reconcile(item, r) {
  const b = r.body || {};
  const conflict = (text) => book.addConflict({ scanned_at: item.scanned_at, rid: item.rid, title: item.title, text });
  if (r.status === 201) {
    const reg = b.registration || {};
    book.note(item.rid, { admitted: reg.admitted_total ?? item.admit, server: true });
    if (b.admitted < item.admit) {
      conflict(_("server recorded %(admitted)d of the %(admit)d admitted here", { admitted: b.admitted, admit: item.admit }));
    }
    return;
  }
  const d = b.detail || {};
  if (b.reason === REASON.ALREADY_CHECKED_IN) {
    book.note(item.rid, { admitted: item.party, first_at: d.first_checked_in_at, gate: d.first_gate, server: true });
    conflict(refusalText(REASON.ALREADY_CHECKED_IN, { first_at: d.first_checked_in_at, first_gate: d.first_gate }).head);
  } else {
    conflict(refusalText(b.reason, d).head);
  }
}

/**
 * Upload the queue, oldest first, one at a time, each with its nonce and scan time. An item leaves
 * the queue only on a definite answer; a repeated nonce gets the first result, so a retry after a
 * lost answer is safe. True if anything was uploaded.
 */
async function flush() {
  if (flushing) return false;
  flushing = true;
  let sent = 0;
  const run = async () => {
    for (const item of book.queue()) {
      let r;
      try {
        r = await api("/api/v1/checkins", { method: "POST", body: { code: item.code, gate: item.gate,
          admit: item.admit, nonce: item.nonce, scanned_at: item.scanned_at, online_mark: item.online_mark || null,
          id_hash: item.id_hash || null, members: item.members || null } });
      } catch { setOnline(false); return; }
      if (!definite(r.status)) { if (r.status !== 401) setOnline(false); return; }
      book.dequeue(item.nonce);
      reconcile(item, r);
      sent += 1;
      net.onChange();
    }
  };
  try {
    // One upload at a time on this device, even with the page open twice.
    if (navigator.locks) await navigator.locks.request("sciday-scan-upload", run);
    else await run();
  } finally {
    flushing = false;
  }
  return sent > 0;
}
