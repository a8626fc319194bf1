/* The organizer's token for the dashboard and summary pages.
 *
 * Kept in sessionStorage (this tab), or localStorage when "remember on this device" is ticked;
 * sent only as `Authorization: Bearer`, never in a URL. A page calls
 * start(probePath, onReady): if a kept token answers the probe with 200, onReady runs
 * at once; otherwise the log-in form is shown and checked against the same probe.
 */
var KEY = "sciday.organizer.token";
/** The page's words (the template's i18n block). */
export const T = JSON.parse(document.getElementById("i18n").textContent);

function token() {
  return sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || "";
}

function forget() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

function keep(value, remember) {
  forget();
  (remember ? localStorage : sessionStorage).setItem(KEY, value);
}

/* A name organizers typed ({zh, en}) in the page's language: on an English page with no English
 * given, the Chinese marked as such (issue 26), in an element that says its language. */
export function named(t) {
  t = t || {};
  if (T.lang !== "en") { return document.createTextNode(t.zh || t.en || ""); }
  if (t.en || !t.zh) { return document.createTextNode(t.en || ""); }
  var out = document.createDocumentFragment(), zh = document.createElement("span"), mark = document.createElement("small");
  zh.lang = "zh-CN";
  zh.textContent = t.zh;
  mark.className = "zh-only";
  mark.textContent = "(" + T.chinese_only + ")";
  out.append(zh, " ", mark);
  return out;
}

/* Venue · hall, each in the page's language. */
export function place(venue, hall, hallEn) {
  var out = document.createDocumentFragment();
  out.append(named({ zh: venue.name, en: venue.name_en }));
  if (hall || hallEn) { out.append(" · ", named({ zh: hall, en: hallEn })); }  // a square or a park has no hall
  return out;
}

export function api(path, opts) {
  opts = opts || {};
  var headers = Object.assign({ "Authorization": "Bearer " + token(), "Accept-Language": T.lang || "zh-CN" },
                              opts.headers || {});
  return fetch(path, Object.assign({}, opts, { headers: headers, cache: "no-store", credentials: "omit" }));
}

function show(loggedIn) {
  document.getElementById("login").hidden = loggedIn;
  document.getElementById("board").hidden = !loggedIn;
  document.getElementById("logout").hidden = !loggedIn;
}

export function loginAgain(message) {
  forget();
  show(false);
  document.getElementById("login-error").textContent = message || "";
}

/* Download an export with the token: fetch it, then save the blob under the server's name. */
export function download(path) {
  return api(path).then(function (resp) {
    if (!resp.ok) { throw new Error(String(resp.status)); }
    var disposition = resp.headers.get("Content-Disposition") || "";
    var m = /filename\*=UTF-8''([^;]+)/.exec(disposition);
    var name = m ? decodeURIComponent(m[1]) : path.split("/").pop();
    return resp.blob().then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
  });
}

export function start(probePath, onReady) {
  var form = document.getElementById("login-form");
  document.getElementById("logout").addEventListener("click", function () { loginAgain(""); });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = document.getElementById("token").value.trim();
    var remember = document.getElementById("remember").checked;
    fetch(probePath, { headers: { "Authorization": "Bearer " + value }, cache: "no-store", credentials: "omit" })
      .then(function (resp) {
        if (resp.status === 401 || resp.status === 403) {
          document.getElementById("login-error").textContent = T.bad_token;
          return;
        }
        keep(value, remember);
        document.getElementById("token").value = "";
        document.getElementById("login-error").textContent = "";
        show(true);
        onReady();
      })
      .catch(function () { document.getElementById("login-error").textContent = T.offline; });
  });
  if (token()) {
    show(true);
    onReady();
  } else {
    show(false);
  }
}

