// Issue 26: what the staff pages beside the scanner share (/supervise, /standby-desk): the staff
// token the scanner keeps on this device (doorbook's auth), a sign-in that checks it against the
// scanner state, and times at the venue.

import { book } from "./doorbook.js";
import { api, definite, stateUrl } from "./sync.js";
import { $, day, hm } from "./verdict.js";
import { _ } from "./i18n.js";

export { $, api, book, definite };

/** "5月30日 14:05" at the venue, from an ISO time or Unix seconds. */
export function when(t) {
  const s = typeof t === "number" ? t : Date.parse(t) / 1000;
  return `${day(s)} ${hm(s)}`;
}

/** The server's message of a refusal, or a plain one when nothing answered. */
export function said(r) {
  if (!r) return _("Cannot reach the server: try again");
  return (r.body && r.body.message) || _("Something failed: try again");
}

/**
 * Sign in with the scanner's token (kept as the scanner keeps it, with its gate), then run
 * `onReady(state)` with the scanner state (role, venue, activities). `withGate`: ask for a gate.
 */
export function start(onReady, { withGate = false } = {}) {
  const enter = (state) => {
    $("login").hidden = true;
    $("desk").hidden = false;
    onReady(state);
  };
  const ask = () => { $("desk").hidden = true; $("login").hidden = false; };
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("f-token").value.trim();
    const g = withGate ? $("f-gate").value.trim() : ((book.auth() || {}).gate || "");
    const err = $("login-error");
    let r = null;
    try { r = await api(stateUrl(g), { token }); } catch { r = null; }
    if (r && r.status === 200) {
      book.setAuth(token, g);
      $("f-token").value = "";
      err.hidden = true;
      return enter(r.body);
    }
    err.textContent = r && (r.status === 401 || r.status === 403) ? said(r) : said(null);
    err.hidden = false;
  });
  $("logout").addEventListener("click", () => {
    const n = book.queue().length;  // the scanner's offline scans go up with this token
    if (n > 0) {
      $("logout").textContent = _("%(num)d offline scans are not uploaded yet: go online first", { num: n });
      return;
    }
    book.clearAuth();
    ask();
  });
  if (!book.auth()) return ask();
  api(stateUrl((book.auth() || {}).gate || "")).then((r) => (r.status === 200 ? enter(r.body) : ask()),
                                                      () => ask());
}
