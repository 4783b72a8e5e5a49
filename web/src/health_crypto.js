/**
 * The smarthealth cryptography of the member's browser, byte for byte what core/crypto.py
 * does on the server: the typed security key, the member key pair derived from it, sealed
 * boxes (HPKE base mode, RFC 9180: X25519 / HKDF-SHA256 / AES-256-GCM) and the private
 * key wrapped under a device password (Argon2id + AES-GCM).
 *
 * WebCrypto does HKDF, X25519 and AES-GCM; @hpke/core builds HPKE on it, hash-wasm supplies
 * Argon2id (WebCrypto has none). Bytes are Uint8Array; a key pair is
 * { publicKey, privateKey }, 32 raw bytes each, as core.crypto.MemberKeyPair holds them.
 * Every failure a member can cause throws a HealthCryptoError with the German sentence
 * core/crypto.py shows for it (tests/unit/test_browser_crypto_interop.py compares them).
 */
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";
import { argon2id } from "hash-wasm";

const subtle = () => globalThis.crypto.subtle;

// --- Errors (German, as core/crypto.py words them) ---------------------------------------

export class HealthCryptoError extends Error {}

function domainError(name, message) {
  // Explicit names: the minified bundle renames classes, callers test error.name.
  const error = new HealthCryptoError(message);
  error.name = name;
  return error;
}

const invalidSecurityKey = () =>
  domainError(
    "InvalidSecurityKeyFormat",
    "Der Sicherheitsschlüssel ist nicht korrekt eingegeben. Bitte prüfen Sie jede Stelle.",
  );
const decryptionFailed = () =>
  domainError(
    "DecryptionFailed",
    "Die Daten konnten nicht entschlüsselt werden: Schlüssel oder Kontext passen nicht, " +
      "oder die Daten wurden verändert.",
  );
const wrongPassword = () =>
  domainError(
    "DecryptionFailed",
    "Das Passwort ist nicht richtig, oder die Daten sind beschädigt.",
  );
const invalidKeyText = () =>
  domainError("InvalidKeyText", "Ein Schlüssel in der Konfiguration hat ein ungültiges Format.");

// --- Bytes ---------------------------------------------------------------------------------

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function bytes(value, name) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`${name} must be a Uint8Array`);
}

function u32(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

function utf8(text, name) {
  // Python's str.encode() refuses lone surrogates; TextEncoder would replace them silently.
  if (typeof text !== "string" || /\p{Cs}/u.test(text)) {
    throw new TypeError(`${name} must be a well-formed string`);
  }
  return new TextEncoder().encode(text);
}

// --- Security key (core/identifiers.py: Crockford base32 and a GF(32) check character) ----

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
// Exactly what Python's re `[\s\-_]+` matches in a str (str.isspace plus '-' and '_'):
// JavaScript's \s differs (it has U+FEFF, lacks U+001C-U+001F and U+0085).
const SEPARATORS = /[\t-\r\x1c- \-_\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;
const LOOK_ALIKES = { O: "0", I: "1", L: "1" };
const GF32_MODULUS = 0b100101; // x^5 + x^2 + 1
const SECURITY_KEY_BYTES = 20; // 160 bits: exactly 32 base32 symbols
const SECURITY_KEY_SYMBOLS = (SECURITY_KEY_BYTES * 8) / 5;

function normalise(text) {
  return (text ?? "").replace(SEPARATORS, "").toUpperCase().replace(/[OIL]/g, (c) => LOOK_ALIKES[c]);
}

function checkCharacter(values) {
  let syndrome = 0;
  for (const value of values) {
    syndrome = (syndrome ^ value) << 1;
    if (syndrome & 0b100000) syndrome ^= GF32_MODULUS;
  }
  return syndrome;
}

/** The 20 bytes of a typed security key (any case, spaces, dashes); a typo throws. */
export function parseSecurityKey(text) {
  const symbols = normalise(typeof text === "string" ? text : "");
  const values = Array.from(symbols, (symbol) => ALPHABET.indexOf(symbol));
  if (values.length !== SECURITY_KEY_SYMBOLS + 1 || values.includes(-1)) {
    throw invalidSecurityKey();
  }
  const data = values.slice(0, -1);
  if (checkCharacter(data) !== values.at(-1)) throw invalidSecurityKey();
  const out = new Uint8Array(SECURITY_KEY_BYTES);
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const value of data) {
    buffer = ((buffer << 5) | value) & 0xfff; // never more than 12 live bits
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  return out;
}

// --- Member key pair -----------------------------------------------------------------------

const MEMBER_KEY_INFO = new TextEncoder().encode("hek smarthealth/member x25519 private key/v1");
const X25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const X25519_BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));
const KEY_BYTES = 32;

function privateKeyBytes(privateKey) {
  const raw = bytes(privateKey?.privateKey ?? privateKey, "privateKey");
  if (raw.length !== KEY_BYTES) throw invalidKeyText();
  return raw;
}

async function importX25519Private(raw) {
  try {
    return await subtle().importKey(
      "pkcs8",
      concat(X25519_PKCS8_PREFIX, raw),
      { name: "X25519" },
      false,
      ["deriveBits"],
    );
  } catch {
    throw invalidKeyText();
  }
}

/** The public half: the private scalar times the base point (works for any 32 bytes). */
async function keyPairOf(privateKey) {
  const base = await subtle().importKey("raw", X25519_BASE_POINT, { name: "X25519" }, false, []);
  const bits = await subtle().deriveBits(
    { name: "X25519", public: base },
    await importX25519Private(privateKey),
    KEY_BYTES * 8,
  );
  return { publicKey: new Uint8Array(bits), privateKey };
}

/** The same security key always yields the same X25519 key pair (HKDF-SHA256, no salt). */
export async function deriveMemberKeyPair(securityKeyBytes) {
  const secret = bytes(securityKeyBytes, "securityKeyBytes");
  if (secret.length !== SECURITY_KEY_BYTES) throw new TypeError("a security key has 20 bytes");
  const ikm = await subtle().importKey("raw", secret, "HKDF", false, ["deriveBits"]);
  const seed = await subtle().deriveBits(
    // RFC 5869: an absent salt is HashLen zero bytes, which is what Python's salt=None means.
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: MEMBER_KEY_INFO },
    ikm,
    KEY_BYTES * 8,
  );
  return keyPairOf(new Uint8Array(seed));
}

// --- Sealed boxes (HPKE) -------------------------------------------------------------------

/** The suite sealForMember and openSealed use; exported for the RFC 9180 vector test. */
export const HPKE_SUITE = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
const SEALED_BOX_V1 = 0x01; // leading byte, as in core/crypto.py
const SEAL_LABEL = new TextEncoder().encode("hek sealed box/v1");
const ENC_BYTES = 32;
const TAG_BYTES = 16;

/** Canonical HPKE info of a context, identical to core.crypto.SealContext.info(). */
export function info({ pseudonym, recordId, formatVersion }) {
  if (!Number.isInteger(formatVersion) || formatVersion < 0 || formatVersion >= 2 ** 32) {
    throw new RangeError("formatVersion must fit in 32 bits");
  }
  const parts = [SEAL_LABEL, utf8(pseudonym, "pseudonym"), utf8(recordId, "recordId")];
  return concat(...parts.flatMap((part) => [u32(part.length), part]), u32(formatVersion));
}

/** Encrypt to the member's public key; the sender cannot open the result. */
export async function sealForMember(plaintext, recipientPublicKey, context) {
  const message = bytes(plaintext, "plaintext");
  const infoBytes = info(context);
  let publicKey;
  try {
    publicKey = await HPKE_SUITE.kem.deserializePublicKey(
      bytes(recipientPublicKey, "recipientPublicKey").slice(),
    );
  } catch {
    throw invalidKeyText();
  }
  const { enc, ct } = await HPKE_SUITE.seal(
    { recipientPublicKey: publicKey, info: infoBytes },
    message.slice(),
  );
  return concat([SEALED_BOX_V1], new Uint8Array(enc), new Uint8Array(ct));
}

/** Throws DecryptionFailed for another key, another context or a changed byte. */
export async function openSealed(sealed, privateKey, context) {
  const box = bytes(sealed, "sealed");
  const infoBytes = info(context);
  let recipientKey;
  try {
    recipientKey = await HPKE_SUITE.kem.deserializePrivateKey(privateKeyBytes(privateKey).slice());
  } catch {
    throw invalidKeyText();
  }
  if (box[0] !== SEALED_BOX_V1 || box.length < 1 + ENC_BYTES + TAG_BYTES) {
    throw decryptionFailed();
  }
  try {
    const opened = await HPKE_SUITE.open(
      { recipientKey, enc: box.slice(1, 1 + ENC_BYTES), info: infoBytes },
      box.slice(1 + ENC_BYTES),
    );
    return new Uint8Array(opened);
  } catch {
    throw decryptionFailed();
  }
}

// --- The private key under a device password (Argon2id + AES-GCM) --------------------------

// Layout (core/crypto.py, _PASSWORD_WRAP_V1): version | memory_cost KiB (u32) |
// iterations (u32) | lanes (u32) | salt (16) | nonce (12) |
// AES-GCM(private key, associated data = everything before the nonce). Big-endian.
const PASSWORD_WRAP_V1 = 1;
const HEADER_BYTES = 1 + 4 + 4 + 4 + 16;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const WRAPPED_BYTES = HEADER_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const MAX_MEMORY_COST_KIB = 1 << 20; // refuse blobs asking for more than 1 GiB
const MAX_ITERATIONS = 64;
const MAX_LANES = 64;

function plausibleCost({ memoryCost, iterations, lanes }) {
  return (
    [memoryCost, iterations, lanes].every(Number.isInteger) &&
    lanes >= 1 &&
    lanes <= MAX_LANES &&
    memoryCost >= 8 * lanes &&
    memoryCost <= MAX_MEMORY_COST_KIB &&
    iterations >= 1 &&
    iterations <= MAX_ITERATIONS
  );
}

async function passwordKey(password, salt, { memoryCost, iterations, lanes }, usage) {
  // NFC, so the same password typed on different devices gives the same bytes.
  const derived = await argon2id({
    password: utf8(password.normalize("NFC"), "password"),
    salt,
    parallelism: lanes,
    iterations,
    memorySize: memoryCost, // KiB, as Python's memory_cost
    hashLength: KEY_BYTES,
    outputType: "binary",
  });
  try {
    return await subtle().importKey("raw", derived, "AES-GCM", false, [usage]);
  } finally {
    derived.fill(0);
  }
}

/**
 * Encrypt the private key under a password (Argon2id, RFC 9106 second choice: 64 MiB,
 * t=3, p=4); lower the cost only in tests. Python's unwrap_private_key opens the result.
 */
export async function wrapPrivateKey(
  privateKey,
  password,
  { memoryCost = 64 * 1024, iterations = 3, lanes = 4 } = {},
) {
  const raw = privateKeyBytes(privateKey);
  const cost = { memoryCost, iterations, lanes };
  if (typeof password !== "string") throw new TypeError("password must be a string");
  if (!plausibleCost(cost)) throw new RangeError("Argon2id parameters out of range");
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint8(0, PASSWORD_WRAP_V1);
  view.setUint32(1, memoryCost, false);
  view.setUint32(5, iterations, false);
  view.setUint32(9, lanes, false);
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  header.set(salt, HEADER_BYTES - SALT_BYTES);
  const key = await passwordKey(password, salt, cost, "encrypt");
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const ciphertext = await subtle().encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: header },
    key,
    raw,
  );
  return concat(header, nonce, new Uint8Array(ciphertext));
}

/** The key pair under a wrapped private key; throws DecryptionFailed on a wrong password. */
export async function unwrapPrivateKey(wrapped, password) {
  const blob = bytes(wrapped, "wrapped");
  if (typeof password !== "string" || /\p{Cs}/u.test(password)) throw wrongPassword();
  if (blob.length !== WRAPPED_BYTES) throw wrongPassword();
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const cost = {
    memoryCost: view.getUint32(1, false),
    iterations: view.getUint32(5, false),
    lanes: view.getUint32(9, false),
  };
  if (view.getUint8(0) !== PASSWORD_WRAP_V1 || !plausibleCost(cost)) throw wrongPassword();
  const header = blob.slice(0, HEADER_BYTES);
  const key = await passwordKey(password, header.slice(HEADER_BYTES - SALT_BYTES), cost, "decrypt");
  let privateKey;
  try {
    privateKey = new Uint8Array(
      await subtle().decrypt(
        { name: "AES-GCM", iv: blob.slice(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES), additionalData: header },
        key,
        blob.slice(HEADER_BYTES + NONCE_BYTES),
      ),
    );
  } catch {
    throw wrongPassword();
  }
  return keyPairOf(privateKey);
}
