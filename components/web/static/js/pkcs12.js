// Opening a password-protected PKCS#12 key container (.p12/.pfx), as the national CA issues
// them, entirely in the page. node-forge (vendored under vendor/, see vendor/README.md) reads
// the container: the legacy PBE schemes real files use (3DES key bag, RC2-40 certificates,
// SHA-1 MAC, BER) and PBES2 (PBKDF2 + AES) alike. For signing in, the authentication key is
// imported into WebCrypto as non-extractable and signs the challenge; for signing a filing,
// forge makes the CMS with the signing key. The key, the file and the password never leave
// the page. Only RSA keys can be used here (forge and WebCrypto have no GOST): other keys
// sign through NCALayer.

import { KeyError } from './eds.js';

const FORGE_URL = new URL('../vendor/node-forge-1.4.3/forge.min.js', import.meta.url).href;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
let forgeLoading = null;

/** node-forge, loaded once, on first use (a plain script: the CSP allows our own files). */
function loadForge() {
  if (window.forge) return Promise.resolve(window.forge);
  if (!forgeLoading) {
    forgeLoading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = FORGE_URL;
      script.addEventListener('load', () => (window.forge ? resolve(window.forge) : reject(new KeyError('p12_library'))));
      script.addEventListener('error', () => {
        forgeLoading = null;
        script.remove();
        reject(new KeyError('p12_library'));
      });
      document.head.append(script);
    });
  }
  return forgeLoading;
}

/** Whether a picked key file is a PKCS#12 container (by name, or by its first byte). */
export function isPkcs12(file, firstByte) {
  return /\.(p12|pfx)$/i.test(file.name) || firstByte === 0x30;
}

function binaryString(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

function bytesOf(binary) {
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function localKeyId(bag) {
  const ids = (bag.attributes && bag.attributes.localKeyId) || [];
  return ids.length ? ids[0] : null;
}

function isAuthentication(cert) {
  // An unreadable certificate (forge reads RSA ones only) counts as unknown: the server decides.
  const eku = cert && cert.getExtension('extKeyUsage');
  return !eku || Boolean(eku.clientAuth);
}

/** The certificate of a bag as PEM: from forge's reading, or its raw ASN.1 when forge could
 *  not read it (a certificate signed by an elliptic-curve or GOST authority). */
function certificatePem(forge, bag) {
  const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
  const base64 = forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/** forge's reading of a bag's certificate, without the digest it cannot make for a
 *  certificate signed by an elliptic-curve or GOST authority (null when unreadable). */
function readableCertificate(forge, bag) {
  if (bag.cert) return bag.cert;
  try {
    return forge.pki.certificateFromAsn1(bag.asn1, false);
  } catch {
    return null;
  }
}

function hasPurpose(cert, name) {
  const eku = cert && cert.getExtension('extKeyUsage');
  return Boolean(eku && eku[name]);
}

/**
 * Opens the container with its password and picks a key: for `purpose` 'auth' the one whose
 * certificate is for authentication, for 'sign' the one for signing documents, when there are
 * several. Resolves to forge, the key with its certificate bag, and all certificate bags.
 */
async function openContainer(bytes, password, purpose) {
  const forge = await loadForge();
  let p12;
  try {
    const asn1 = forge.asn1.fromDer(binaryString(bytes), { strict: false });
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const text = String((error && error.message) || error);
    if (/password|MAC|decrypt|invalid|padding/i.test(text)) throw new KeyError('p12_password');
    throw new KeyError('p12_unreadable');
  }
  const bagsOf = (type) => p12.getBags({ bagType: type })[type] || [];
  const keys = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(forge.pki.oids.keyBag)];
  const certs = bagsOf(forge.pki.oids.certBag).filter((bag) => bag.cert || bag.asn1);
  if (!keys.length) throw new KeyError('p12_no_key');
  // Each key with the certificate of the same local key id; a lone key with the one
  // certificate that has an id (the others are its authorities), or the only certificate.
  const pairs = keys.map((keyBag) => {
    const id = localKeyId(keyBag);
    const byId = id === null ? null : certs.find((c) => localKeyId(c) === id);
    const lone = keys.length === 1 ? certs.find((c) => localKeyId(c) !== null) || (certs.length === 1 ? certs[0] : null) : null;
    return { keyBag, certBag: byId || lone };
  });
  const usable = pairs.filter((pair) => pair.keyBag.key && pair.certBag);
  if (!usable.length) {
    // forge opens RSA keys only; a GOST or elliptic-curve key stays unread.
    throw new KeyError(pairs.some((pair) => !pair.keyBag.key) ? 'p12_key_type' : 'p12_no_certificate');
  }
  const fits = (pair) => {
    const cert = readableCertificate(forge, pair.certBag);
    return purpose === 'sign' ? hasPurpose(cert, 'emailProtection') : isAuthentication(cert);
  };
  const chosen = usable.find(fits) || usable[0];
  return { forge, chosen, certs };
}

/**
 * Opens the container with its password and picks the key to sign in with: the one whose
 * certificate is for authentication if there are several. Resolves to a WebCrypto signing
 * key (as `importSigningKey` does) and the certificate chain as PEM, leaf first.
 */
export async function openPkcs12(bytes, password) {
  const { forge, chosen, certs } = await openContainer(bytes, password, 'auth');
  const pkcs8 = forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(chosen.keyBag.key))).getBytes();
  const algorithm = { name: 'RSA', import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } };
  let key;
  try {
    key = await crypto.subtle.importKey('pkcs8', bytesOf(pkcs8), algorithm.import, false, ['sign']);
  } catch {
    throw new KeyError('p12_key_type');
  }
  const others = certs.filter((bag) => bag !== chosen.certBag);
  const chain = [chosen.certBag, ...others].map((bag) => certificatePem(forge, bag)).join('');
  return { signing: { key, algorithm }, certificate: chain };
}

/**
 * Signs `content` (text, signed as its UTF-8 bytes, or a Uint8Array: a document's bytes) as a
 * detached CMS SignedData (SHA-256, signed attributes content type, signing time and message
 * digest) by the container's signing key, with its certificate and the readable ones of its
 * chain — what NCALayer answers too. Resolves to the base64 of its DER.
 */
export async function signCmsWithPkcs12(bytes, password, content) {
  const { forge, chosen, certs } = await openContainer(bytes, password, 'sign');
  const leaf = readableCertificate(forge, chosen.certBag);
  if (!leaf) throw new KeyError('p12_no_certificate');
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(typeof content === 'string' ? forge.util.encodeUtf8(content) : binaryString(content));
  p7.addCertificate(leaf);
  for (const bag of certs) {
    const cert = bag === chosen.certBag ? null : readableCertificate(forge, bag);
    // An authority forge cannot read stays out: the portal holds its anchors.
    if (cert) p7.addCertificate(cert);
  }
  p7.addSigner({
    key: chosen.keyBag.key,
    certificate: leaf,
    digestAlgorithm: forge.pki.oids.sha256,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.signingTime, value: new Date() },
      { type: forge.pki.oids.messageDigest },
    ],
  });
  p7.sign({ detached: true });
  const contentInfo = p7.toAsn1();
  // forge writes the certificates back from its reading of them, which can change their
  // bytes (and break the authority's signature on them): put their original DER in instead.
  const signedData = contentInfo.value[1].value[0];
  const certificates = signedData.value.find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 0);
  certificates.value = [chosen.certBag, ...certs.filter((bag) => bag !== chosen.certBag && readableCertificate(forge, bag))].map((bag) => originalAsn1(forge, bag));
  return forge.util.encode64(forge.asn1.toDer(contentInfo).getBytes());
}

/** A bag's certificate as it was in the container. */
function originalAsn1(forge, bag) {
  return bag.asn1 || forge.pki.certificateToAsn1(bag.cert);
}
