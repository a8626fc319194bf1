// Ticket codes, read exactly as shared/tickets.py writes them.
//
// Code: "SD1." + base64url(payload ‖ 64-byte Ed25519 signature over "SD1" + payload).
// Payload (big-endian): key id u8 · registration id 10 bytes (base32, lowercase, no padding) ·
// party size u8 · valid from u32 · valid until u32 · activity id (u8 length + ASCII) ·
// venue id (u8 length + ASCII).
// A called walk-in's standby ticket (issue 15 §3) is the same family with its own kind: "SB1." and
// a signature over "SB1" + payload; its 10-byte id is six zero bytes and the standby number (u32).
// It is read as {kind: "standby", standby_number, registration_id: "standby:<activity>:<number>"},
// the id the server's answer names it by.

import { REASON } from "./vocabulary.js";

export const PREFIX = "SD1.";
export const STANDBY_PREFIX = "SB1.";
const KINDS = { [PREFIX]: "registration", [STANDBY_PREFIX]: "standby" };  // the domain is the prefix
const B32 = "abcdefghijklmnopqrstuvwxyz234567";
const SIG = 64;

export class InvalidTicket extends Error {
  // reason: "invalid" (bad format or signature) or "unknown_key" (a key id this device has not seen)
  constructor(why, reason = REASON.INVALID) { super(why); this.reason = reason; }
}

export function b64urlEncode(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new InvalidTicket("not base64url");
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function base32(bytes) {
  // RFC 4648 base32 of whole 5-byte groups (the registration id is 10 bytes: 16 characters).
  let bits = 0, value = 0, out = "";
  for (const b of bytes) {
    value = (value << 8) | b; bits += 8;
    while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5; }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function ascii(bytes) {
  let s = "";
  for (const b of bytes) {
    if (b > 127) throw new InvalidTicket("bad payload: not ASCII");
    s += String.fromCharCode(b);
  }
  return s;
}

export function parsePayload(p, kind = "registration") {
  if (p.length < 21) throw new InvalidTicket("bad payload: too short");
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const alen = p[20];
  if (p.length < 22 + alen) throw new InvalidTicket("bad payload: activity id");
  const vlen = p[21 + alen];
  if (22 + alen + vlen !== p.length) throw new InvalidTicket("bad payload: length mismatch");
  return {
    key_id: p[0],
    registration_id: base32(p.subarray(1, 11)),
    party_size: p[11],
    valid_from: view.getUint32(12),
    valid_until: view.getUint32(16),
    activity_id: ascii(p.subarray(21, 21 + alen)),
    venue_id: ascii(p.subarray(22 + alen, 22 + alen + vlen)),
    kind,
    ...(kind === "standby" ? standby(p, ascii(p.subarray(21, 21 + alen))) : {}),
  };
}

function standby(p, activityId) {
  const number = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(7);
  return { standby_number: number, registration_id: `standby:${activityId}:${number}` };
}

/** Split a code into payload and signature and parse the payload; no signature check. */
export function decode(code) {
  const prefix = typeof code === "string" ? code.slice(0, 4) : "";
  const kind = KINDS[prefix];
  if (!kind || code.length > 400) throw new InvalidTicket("not a sciday ticket");
  const body = code.slice(prefix.length);
  const raw = b64urlDecode(body);
  if (b64urlEncode(raw) !== body) throw new InvalidTicket("non-canonical encoding");
  if (raw.length < 22 + SIG) throw new InvalidTicket("too short");
  const payload = raw.subarray(0, raw.length - SIG), signature = raw.subarray(raw.length - SIG);
  const domain = new TextEncoder().encode(prefix.slice(0, 3));
  return { payload, signature, domain, ticket: parsePayload(payload, kind) };
}

// -- Ed25519: WebCrypto where the browser has it, else the vendored @noble/ed25519 -------------

let webCryptoWorks = null; // unknown until the first import
let noble = null;

export function forceFallback(on = true) { webCryptoWorks = on ? false : null; }

async function nobleVerify(key, sig, msg) {
  noble = noble || await import("/static/vendor/noble-ed25519/index.js");
  try { return await noble.verifyAsync(sig, msg, key, { zip215: false }); } catch { return false; }
}

export class KeySet {
  /** keys: [{kid, alg, public_key (raw 32 bytes, base64url)}] as GET /api/v1/scanner/state gives. */
  constructor(keys) {
    this.raw = new Map();
    this.imported = new Map();
    for (const k of keys || []) {
      if ((k.alg || "Ed25519") !== "Ed25519") continue;
      const bytes = b64urlDecode(k.public_key);
      if (bytes.length === 32) this.raw.set(Number(k.kid), bytes);
    }
  }

  has(kid) { return this.raw.has(kid); }

  async _verifyRaw(kid, sig, msg) {
    const raw = this.raw.get(kid);
    if (webCryptoWorks !== false) {
      try {
        let key = this.imported.get(kid);
        if (!key) {
          key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
          this.imported.set(kid, key);
        }
        const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
        webCryptoWorks = true;
        return ok;
      } catch (err) {
        if (webCryptoWorks === true) return false; // WebCrypto works: this key or signature is bad
        webCryptoWorks = false; // NotSupportedError on older browsers: use the JS verifier from now on
      }
    }
    return nobleVerify(raw, sig, msg);
  }

  /** The ticket if the code is genuine; throws InvalidTicket otherwise. */
  async verify(code) {
    const { payload, signature, domain, ticket } = decode(code);
    if (!this.raw.has(payload[0])) throw new InvalidTicket("unknown key id", REASON.UNKNOWN_KEY);
    const msg = new Uint8Array(domain.length + payload.length);
    msg.set(domain); msg.set(payload, domain.length);
    if (!(await this._verifyRaw(payload[0], signature, msg))) throw new InvalidTicket("bad signature");
    return ticket;
  }
}

export function verifier() { return webCryptoWorks === false ? "noble" : webCryptoWorks ? "webcrypto" : "unknown"; }
