/* The import step of the organizer page: choose a key-activity list, see how each column was
 * read (assign the ones not recognised; the server remembers them for the organizer's next file),
 * preview every row with the values the file did not give marked for confirmation, then import.
 * Talks to POST /api/v1/activities/import with the organizer's bearer token; after creating
 * activities it fires "sciday:activities-changed" so the activity list reloads.
 */
const T = JSON.parse(document.getElementById("import-i18n").textContent);
const EN = T.lang === "en";
const LOCALE = EN ? "en" : "zh-CN";
const TOKEN_KEY = "sciday.organizer.token";
const $ = (id) => document.getElementById(id);

let file = null;
let chosen = {};
let report = null;
let eachDay = new Set(); // rows over several days the organizer chose to import as one activity a day

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "";
}

async function send(mode, confirm) {
  const form = new FormData();
  form.append("file", file);
  form.append("mode", mode);
  if (Object.keys(chosen).length) { form.append("columns", JSON.stringify(chosen)); }
  if (confirm) { form.append("confirm", "1"); }
  if (eachDay.size) { form.append("each_day", [...eachDay].join(",")); }
  const resp = await fetch(`/api/v1/activities/import?lang=${LOCALE}`, {
    method: "POST",
    body: form,
    headers: { "Authorization": `Bearer ${token()}`, "Accept-Language": LOCALE },
    cache: "no-store",
    credentials: "omit",
  });
  const type = resp.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await resp.json() : {};
  return { ok: resp.ok, status: resp.status, data };
}

function say(message, kind) {
  const el = $("import-summary");
  el.hidden = !message;
  el.className = `banner ${kind || "ok"}`;
  el.textContent = message || "";
}

function td(tr, text, cls) {
  const cell = document.createElement("td");
  cell.textContent = text === undefined || text === null ? "" : String(text);
  if (cls) { cell.className = cls; }
  tr.appendChild(cell);
  return cell;
}

// Chinese as 2026年12月15日: the month spelt "long" in zh-CN is the number with 月.
const ZH_DATE = new Intl.DateTimeFormat("zh-CN", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
// "12月15日 09:00 – 12月20日 17:00" / "15 Dec 09:00 – 20 Dec 17:00"; one date when on one day
function span(startIso, endIso) {
  if (!startIso) { return ""; }
  const part = (iso) => {
    const [d, t] = iso.substring(0, 16).split("T");
    const [y, m, day] = d.split("-").map(Number);
    const date = EN
      ? `${day} ${["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]} ${y}`
      : ZH_DATE.format(new Date(Date.UTC(y, m - 1, day)));
    return { d, date, t };
  };
  const a = part(startIso);
  if (!endIso) { return `${a.date} ${a.t}`; }
  const b = part(endIso);
  return a.d === b.d ? `${a.date} ${a.t}–${b.t}` : `${a.date} ${a.t} – ${b.date} ${b.t}`;
}

function shown(field, value) {
  if (field === "kind") { return T.kinds[value] || value; }
  if (field === "hall" && !value) { return T.no_hall; }
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) { return span(value); }
  return value;
}

function showColumns(rep) {
  $("import-mapping").hidden = false;
  const missing = rep.missing_columns || [];
  $("import-missing").hidden = missing.length === 0;
  $("import-missing").textContent = T.missing + missing.map((k) => T.keys[k] || k).join(T.list_sep);
  const body = document.querySelector("#import-columns tbody");
  body.replaceChildren();
  rep.columns.forEach((col) => {
    const tr = document.createElement("tr");
    tr.dataset.header = col.header;
    tr.dataset.key = col.key || "";
    tr.className = `source-${col.source}`;
    td(tr, col.header);
    const select = document.createElement("select");
    select.setAttribute("aria-label", col.header);
    [["", T.not_used]].concat(rep.keys.map((k) => [k, T.keys[k] || k])).forEach(([value, label]) => {
      const opt = document.createElement("option");
      opt.value = value;
      opt.textContent = label;
      select.appendChild(opt);
    });
    select.value = col.key || "";
    td(tr, "").appendChild(select);
    td(tr, T.sources[col.source] || col.source);
    body.appendChild(tr);
  });
}

function showRows(rep, message, kind) {
  const counts = [
    rep.mode === "check" ? `${T.n_new} ${rep.new}` : `${T.n_created} ${rep.created}`,
    `${T.n_unchanged} ${rep.unchanged}`, `${T.n_differs} ${rep.differs}`, `${T.n_errors} ${rep.errors.length}`,
  ];
  if (rep.assumed_rows) { counts.push(`${T.n_assumed} ${rep.assumed_rows}`); }
  say(`${message}${T.colon}${counts.join(" · ")}`, kind);
  $("import-preview").hidden = false;
  const errors = document.querySelector("#import-errors tbody");
  errors.replaceChildren();
  $("import-errors").hidden = rep.errors.length === 0;
  rep.errors.forEach((e) => {
    const tr = document.createElement("tr");
    td(tr, e.row, "num"); td(tr, e.field); td(tr, e.message);
    errors.appendChild(tr);
  });
  const rows = document.querySelector("#import-rows tbody");
  rows.replaceChildren();
  rep.rows.forEach((row) => {
    const tr = document.createElement("tr");
    tr.className = `action-${row.action}`;
    const assumed = new Set((row.assumed || []).map((a) => a.field));
    td(tr, row.row, "num");
    td(tr, T.actions[row.action] || row.action);
    td(tr, row.title);
    const when = td(tr, span(row.starts_at, row.ends_at), assumed.has("starts_at") || assumed.has("ends_at") ? "assumed" : "");
    daysChoice(when, row);
    td(tr, [row.venue, row.hall].filter(Boolean).join(" · "));
    td(tr, T.kinds[row.kind] || row.kind || "", assumed.has("kind") ? "assumed" : "");
    td(tr, row.capacity, `num${assumed.has("capacity") ? " assumed" : ""}`);
    const list = td(tr, "", "assumed-list");
    (row.assumed || []).forEach((a) => {
      const line = document.createElement("div");
      const why = T.basis[a.basis] || a.basis;
      line.textContent = `${T.fields[a.field] || a.field} ${shown(a.field, a.value)}${T.aside.replace("{why}", why)}`;
      list.appendChild(line);
    });
    rows.appendChild(tr);
  });
  const labels = [...document.querySelectorAll("#import-rows thead th")].map((th) => th.textContent);
  rows.querySelectorAll("tr").forEach((tr) => {
    [...tr.children].forEach((cell, i) => { cell.dataset.label = labels[i] || ""; });
  });
  const needsConfirm = rep.mode === "check" && rep.assumed_rows > 0;
  $("import-confirm-line").hidden = !needsConfirm;
  if (!needsConfirm) { $("import-confirm").checked = false; }
  buttons();
}

// A row over several days: "6 天，每天一场" to tick (the preview is asked again with the choice);
// once ticked, each day's plan says which day it is and the first one keeps the box to untick.
function daysChoice(cell, row) {
  if (!row.days || row.days < 2) { return; }
  if (row.day) {
    const which = document.createElement("div");
    which.className = "day-of";
    which.textContent = T.day_of.replace("{day}", row.day).replace("{n}", row.days);
    cell.appendChild(which);
    if (row.day !== 1) { return; }
  }
  const label = document.createElement("label");
  label.className = "check each-day";
  const box = document.createElement("input");
  box.type = "checkbox";
  box.dataset.row = row.row;
  box.checked = eachDay.has(row.row);
  box.addEventListener("change", () => {
    if (box.checked) { eachDay.add(row.row); } else { eachDay.delete(row.row); }
    $("import-confirm").checked = false;
    run("check");
  });
  label.appendChild(box);
  label.appendChild(document.createTextNode(` ${T.each_day.replace("{n}", row.days)}`));
  cell.appendChild(label);
}

function buttons() {
  const rep = report;
  const open = rep && rep.mode === "check" && rep.new > 0;
  const confirmed = !rep || !rep.assumed_rows || $("import-confirm").checked;
  $("import-all").disabled = !open || !confirmed || rep.errors.length > 0;
  $("import-valid").disabled = !open || !confirmed;
  $("import-valid").hidden = !rep || rep.errors.length === 0;
}

function show(rep, message, kind) {
  report = rep;
  showColumns(rep);
  showRows(rep, message, kind);
}

async function run(mode) {
  let r;
  try {
    r = await send(mode, $("import-confirm").checked);
  } catch (err) {
    say(T.offline, "error");
    return;
  }
  if (r.ok) {
    show(r.data, mode === "check" ? T.checked : T.done, r.data.errors.length ? "warn" : "ok");
    if (r.data.created) { document.dispatchEvent(new CustomEvent("sciday:activities-changed")); }
  } else if (r.data.report) {
    show(r.data.report, r.data.message, "error");
  } else {
    $("import-preview").hidden = true;
    $("import-mapping").hidden = true;
    say(r.data.message || T.offline, "error");
  }
}

$("import-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  file = $("import-file").files[0];
  if (!file) { return; }
  chosen = {};
  eachDay = new Set();
  $("import-confirm").checked = false;
  run("check");
});

$("import-remap").addEventListener("click", () => {
  if (!file) { return; }
  document.querySelectorAll("#import-columns tbody tr").forEach((tr) => {
    const value = tr.querySelector("select").value;
    const unread = tr.className === "source-unknown" || tr.className === "source-duplicate";
    if (value !== tr.dataset.key || unread) { chosen[tr.dataset.header] = value; }
  });
  $("import-confirm").checked = false;
  run("check");
});

$("import-confirm").addEventListener("change", buttons);
$("import-all").addEventListener("click", () => run("all"));
$("import-valid").addEventListener("click", () => run("valid_rows"));
