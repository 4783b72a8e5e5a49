// Drives the BUILT bundle (dist/health_crypto.js) for tests/unit/test_browser_crypto_interop.py.
// stdin: a JSON array of requests {op, ...}; stdout: a JSON array of responses, one per
// request, {ok: true, ...} or {ok: false, error: {name, message}}. Bytes travel as hex.
import { webcrypto } from "node:crypto";

const bundle = new URL("../dist/health_crypto.js", import.meta.url).href;
globalThis.crypto ??= webcrypto; // Node 18 has WebCrypto only as node:crypto's export
const crypto = await import(bundle);

const fromHex = (text) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const toHex = (data) => Buffer.from(new Uint8Array(data)).toString("hex");
const pair = ({ publicKey, privateKey }) => ({ publicKey: toHex(publicKey), privateKey: toHex(privateKey) });

async function rfc9180Vector(vector) {
  // Mode base with the vector's own keys: the recipient's pair and, through @hpke/core's
  // `ekm` (meant for exactly these tests), the sender's ephemeral pair.
  const suite = crypto.HPKE_SUITE;
  const info = fromHex(vector.info).buffer;
  const recipientPublicKey = await suite.kem.deserializePublicKey(fromHex(vector.pkRm).buffer);
  const ephemeral = {
    privateKey: await suite.kem.deserializePrivateKey(fromHex(vector.skEm).buffer),
    publicKey: await suite.kem.deserializePublicKey(fromHex(vector.pkEm).buffer),
  };
  const sender = await suite.createSenderContext({ recipientPublicKey, info, ekm: ephemeral });
  const ciphertexts = [];
  for (const encryption of vector.encryptions) {
    const sealed = await sender.seal(fromHex(encryption.plaintext).buffer, fromHex(encryption.aad).buffer);
    ciphertexts.push(toHex(sealed));
  }
  const receiver = await suite.createRecipientContext({
    recipientKey: await suite.kem.deserializePrivateKey(fromHex(vector.skRm).buffer),
    enc: sender.enc,
    info,
  });
  const plaintexts = [];
  for (const encryption of vector.encryptions) {
    const opened = await receiver.open(fromHex(encryption.ciphertext).buffer, fromHex(encryption.aad).buffer);
    plaintexts.push(toHex(opened));
  }
  // The same ephemeral key once more, without aad: what core.crypto's one-shot open (which
  // takes no aad) can check against the same key schedule.
  const oneShot = await suite.seal(
    { recipientPublicKey, info, ekm: ephemeral },
    fromHex(vector.encryptions[0].plaintext).buffer,
  );
  return {
    enc: toHex(sender.enc),
    ciphertexts,
    plaintexts,
    oneShotSealed: "01" + toHex(oneShot.enc) + toHex(oneShot.ct),
  };
}

const operations = {
  info: async ({ context }) => ({ info: toHex(crypto.info(context)) }),
  parseSecurityKey: async ({ text }) => ({ securityKey: toHex(crypto.parseSecurityKey(text)) }),
  deriveMemberKeyPair: async ({ securityKey }) => pair(await crypto.deriveMemberKeyPair(fromHex(securityKey))),
  sealForMember: async ({ plaintext, publicKey, context }) => ({
    sealed: toHex(await crypto.sealForMember(fromHex(plaintext), fromHex(publicKey), context)),
  }),
  openSealed: async ({ sealed, privateKey, context }) => ({
    plaintext: toHex(await crypto.openSealed(fromHex(sealed), fromHex(privateKey), context)),
  }),
  wrapPrivateKey: async ({ privateKey, password, cost }) => ({
    wrapped: toHex(await crypto.wrapPrivateKey(fromHex(privateKey), password, cost)),
  }),
  unwrapPrivateKey: async ({ wrapped, password }) => pair(await crypto.unwrapPrivateKey(fromHex(wrapped), password)),
  rfc9180Vector: async ({ vector }) => rfc9180Vector(vector),
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const responses = [];
for (const request of JSON.parse(input)) {
  try {
    responses.push({ ok: true, ...(await operations[request.op](request)) });
  } catch (error) {
    responses.push({ ok: false, error: { name: error.name, message: error.message } });
  }
}
process.stdout.write(JSON.stringify(responses));
