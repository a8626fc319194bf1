// Page text for the scripts (docs/i18n.md): the msgid is the English text, the page carries the
// catalogue of its language (shared/translations.py js_catalogue) and nothing is fetched.
// Placeholders are Python's named ones, as in the .po files: _("%(num)d found", { num: 3 }).

const block = document.getElementById("catalogue");
const catalogue = block ? JSON.parse(block.textContent) : { lang: document.documentElement.lang, messages: {} };

export const EN = catalogue.lang === "en";

const fill = (text, params) =>
  params ? text.replace(/%\((\w+)\)[sd]/g, (whole, key) => String(params[key] ?? "")) : text;

/** The text of `msgid` in this page's language, its %(placeholders)s filled from `params`. */
export function _(msgid, params) {
  const text = catalogue.messages[msgid];
  return fill(typeof text === "string" && text ? text : msgid, params);
}

/** One of two English forms by `n` (Chinese has one); `n` is also %(num)d. */
export function ngettext(one, many, n, params = {}) {
  const forms = catalogue.messages[one];
  const text = Array.isArray(forms) && forms.length ? forms[Math.min(n === 1 ? 0 : 1, forms.length - 1)]
    : n === 1 ? one : many;
  return fill(text, { num: n, ...params });
}
