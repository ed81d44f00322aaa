// Base64 to bytes without Node's Buffer: the kernels' binary is embedded as base64 text.
// atob is used where the host has it (browsers, Node 16+); the decoder below serves the others and
// is the reference the tests hold atob's path to.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/**
 * The bytes that standard base64 `text` (RFC 4648, "=" padding optional) encodes, decoded by
 * hand. Throws a TypeError naming the offending character or length. @internal
 */
export function decodeBase64Portable(text: string): Uint8Array {
  const body = text.replace(/=+$/, "");
  if (body.length % 4 === 1) throw new TypeError(`base64: ${text.length} characters cannot be base64 (a length of 4k + 1 never is)`);
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let held = 0;
  let at = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const value = code < 128 ? VALUES[code]! : -1;
    if (value < 0) throw new TypeError(`base64: ${JSON.stringify(body[i])} at position ${i} is not a base64 character`);
    // six bits at a time into an accumulator, a byte out whenever eight are held; at most 13
    // bits are ever held, so the mask keeps the number small
    bits = ((bits << 6) | value) & 0x3fff;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out[at++] = (bits >> held) & 0xff;
    }
  }
  return out;
}

/** The bytes that base64 `text` encodes: through atob when the host has it. @internal */
export function decodeBase64(text: string): Uint8Array {
  const atob = (globalThis as { atob?: (text: string) => string }).atob;
  if (typeof atob !== "function") return decodeBase64Portable(text);
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
