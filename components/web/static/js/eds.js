// Signing the sign-in challenge in the page with WebCrypto. The private key is read from the
// file the person picks, imported as non-extractable, used once and dropped: it never leaves
// the page. Keys are unencrypted PKCS#8 PEM (ECDSA P-256, RSA, Ed25519), as the API accepts.

const ALGORITHMS = [
  { name: 'ECDSA', import: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  { name: 'RSA', import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
  { name: 'Ed25519', import: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
];

export class KeyError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** The DER bytes of the first PEM block labelled `label` (or any of `labels`). */
export function pemBlock(text, labels) {
  for (const label of labels) {
    const found = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
    if (found) {
      const base64 = found[1].replace(/\s+/g, '');
      try {
        return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      } catch {
        throw new KeyError('key_unreadable');
      }
    }
  }
  return null;
}

/** Imports the key for signing, trying each algorithm the API accepts. */
export async function importSigningKey(pemText) {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pemText)) throw new KeyError('key_encrypted');
  if (/-----BEGIN (RSA |EC )PRIVATE KEY-----/.test(pemText)) throw new KeyError('key_not_pkcs8');
  const der = pemBlock(pemText, ['PRIVATE KEY']);
  if (!der) throw new KeyError('key_unreadable');
  for (const algorithm of ALGORITHMS) {
    try {
      const key = await crypto.subtle.importKey('pkcs8', der, algorithm.import, false, ['sign']);
      return { key, algorithm };
    } catch {
      // Not this algorithm; try the next.
    }
  }
  throw new KeyError('key_unsupported');
}

/** Base64 of the signature over the UTF-8 bytes of `message`. */
export async function signBase64(signing, message) {
  const bytes = new TextEncoder().encode(message);
  // A key WebCrypto does not know (NCA's GOST keys) brings its own signer.
  const signature = signing.sign ? await signing.sign(bytes) : await crypto.subtle.sign(signing.algorithm.sign, signing.key, bytes);
  let binary = '';
  for (const byte of new Uint8Array(signature)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The certificate chain, checked only for shape: the server verifies it. */
export function certificateChain(pemText) {
  if (!/-----BEGIN CERTIFICATE-----/.test(pemText)) throw new KeyError('certificate_unreadable');
  return pemText.trim();
}
