// The door's keyed hash of an ID number, as shared/door_id.py makes it (issue 23): the scanner
// hashes the card it reads under the activity's key from its state and compares the result with
// the members' door hashes. The number itself is never kept. tests/unit/door_id_vectors.json pins
// this module and the Python together.

const HEX = 32;
const enc = new TextEncoder();

/** "2101 0219 8808 0851 5x" -> "21010219880808515X" (NFKC, every space dropped, upper case). */
export function normalise(number) {
  return String(number ?? "").normalize("NFKC").replace(/\s+/gu, "").toUpperCase();
}

const bytes = (h) => new Uint8Array((h.match(/../g) || []).map((b) => parseInt(b, 16)));
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

async function hmac(keyBytes, text) {
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, enc.encode(text));
}

/** An activity's key from the master (the services do this; here for the shared test vectors). */
export async function activityKey(masterHex, activityId) {
  return hex(await hmac(bytes(masterHex), activityId));
}

/** The door hash of a number under an activity's key (hex), or "" for an empty number. */
export async function doorHash(keyHex, number) {
  const text = normalise(number);
  if (!text || !keyHex) return "";
  return hex(await hmac(bytes(keyHex), text)).slice(0, HEX);
}
