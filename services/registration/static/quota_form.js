/* The organizer form's seats kept for channels (issue 29, docs/quota.md): the activity's
 * ``quotas`` as the form's number fields, and back. The rule that keeps them is quota.lua's; the
 * capacity check is the API's (quota_above_capacity). A channel given as a share of the capacity
 * (through the API) is kept as it is while its field stays empty.
 */
var CHANNELS = ["window", "group", "wheelchair", "companion"];

export function quotaValues(a) {
  var q = (a && a.quotas) || {}, out = {};
  CHANNELS.forEach(function (ch) {
    out["quota_" + ch] = q[ch] && q[ch].seats !== undefined ? q[ch].seats : "";
  });
  return out;
}

export function quotasOf(form, previous) {
  var out = {}, any = false;
  previous = previous || {};
  CHANNELS.forEach(function (ch) {
    var raw = form.elements["quota_" + ch].value.trim(), before = previous[ch];
    if (raw !== "") {
      var kept = { seats: Number(raw) };
      if (before && before.release_before_h !== undefined) { kept.release_before_h = before.release_before_h; }
      out[ch] = kept; any = true;
    } else if (before && before.share !== undefined) {
      out[ch] = before; any = true;
    }
  });
  return any || Object.keys(previous).length ? out : null;
}
