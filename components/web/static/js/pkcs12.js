// Opening a password-protected PKCS#12 key container (.p12/.pfx), as the national CA issues
// them, entirely in the page. node-forge (vendored under vendor/, see vendor/README.md) reads
// the container: the legacy PBE schemes real files use (3DES key bag, RC2-40 certificates,
// SHA-1 MAC, BER) and PBES2 (PBKDF2 + AES) alike. For signing in, the authentication key is
// imported into WebCrypto as non-extractable and signs the challenge; for signing a filing,
// forge makes the CMS with the signing key. The key, the file and the password never leave
// the page. RSA keys sign through WebCrypto and forge; the national CA's GOST 34.10-2015 keys
// (`GOST512_….p12`, what it issues since 2024), which neither knows, through the project's
// own GOST code (gost.js). Elliptic-curve containers sign through NCALayer.

import { KeyError } from './eds.js';
import { signGost, streebog512 } from './gost.js';

const FORGE_URL = new URL('../vendor/node-forge-1.4.3/forge.min.js', import.meta.url).href;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** NCA's GOST 34.10-2015 512-bit key, Streebog-512, and the signature with both. */
const GOST_KEY = '1.2.398.3.10.1.1.2.2';
const STREEBOG_512 = '1.2.398.3.10.1.3.3';
const GOST_SIGNATURE = '1.2.398.3.10.1.1.2.3.2';
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

/**
 * The scalar of a GOST key bag (64 bytes, little-endian, inside the PKCS#8 OCTET STRING as
 * NCA writes it), or null for any other key. forge reads RSA keys only: it leaves others as
 * their decrypted PKCS#8.
 */
function gostScalar(forge, keyBag) {
  const info = keyBag.asn1;
  if (keyBag.key || !info || !Array.isArray(info.value) || info.value.length < 3) return null;
  try {
    const algorithm = info.value[1].value[0];
    if (forge.asn1.derToOid(algorithm.value) !== GOST_KEY) return null;
    const inner = forge.asn1.fromDer(info.value[2].value);
    if (inner.type !== forge.asn1.Type.OCTETSTRING || inner.value.length !== 64) return null;
    return bytesOf(inner.value);
  } catch {
    return null;
  }
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
  for (const pair of pairs) pair.gost = gostScalar(forge, pair.keyBag);
  const usable = pairs.filter((pair) => (pair.keyBag.key || pair.gost) && pair.certBag);
  if (!usable.length) {
    // forge opens RSA keys only and gostScalar NCA's GOST ones; an elliptic-curve key stays unread.
    throw new KeyError(pairs.some((pair) => !pair.keyBag.key && !pair.gost) ? 'p12_key_type' : 'p12_no_certificate');
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
  const others = certs.filter((bag) => bag !== chosen.certBag);
  const chain = [chosen.certBag, ...others].map((bag) => certificatePem(forge, bag)).join('');
  if (chosen.gost) {
    // Signs once (the challenge), then the key's bytes are wiped.
    const scalar = chosen.gost;
    const sign = async (message) => {
      try {
        return await signGost(scalar, message);
      } finally {
        scalar.fill(0);
      }
    };
    return { signing: { sign }, certificate: chain };
  }
  const pkcs8 = forge.asn1.toDer(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(chosen.keyBag.key))).getBytes();
  const algorithm = { name: 'RSA', import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' } };
  let key;
  try {
    key = await crypto.subtle.importKey('pkcs8', bytesOf(pkcs8), algorithm.import, false, ['sign']);
  } catch {
    throw new KeyError('p12_key_type');
  }
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
  if (chosen.gost) return gostCms(forge, chosen, content);
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

/**
 * A detached CMS SignedData with NCA's GOST key, as the national CA's Kalkan makes one:
 * Streebog-512 (1.2.398.3.10.1.3.3), GOST 34.10-2015 signature (1.2.398.3.10.1.1.2.3.2, its
 * value r ‖ s little-endian), the signed attributes content type, signing time and message
 * digest, the signer named by issuer and serial, its certificate as it was in the container.
 * Resolves to the base64 of its DER.
 */
async function gostCms(forge, chosen, content) {
  const asn1 = forge.asn1;
  const { Class, Type } = asn1;
  const node = (type, constructed, value) => asn1.create(Class.UNIVERSAL, type, constructed, value);
  const oid = (text) => node(Type.OID, false, asn1.oidToDer(text).getBytes());
  const algorithm = (text) => node(Type.SEQUENCE, true, [oid(text), node(Type.NULL, false, '')]);
  const attribute = (type, value) => node(Type.SEQUENCE, true, [oid(type), node(Type.SET, true, [value])]);
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  const digest = await streebog512(bytes);
  const attributes = [
    attribute(forge.pki.oids.contentType, oid(forge.pki.oids.data)),
    attribute(forge.pki.oids.signingTime, node(Type.UTCTIME, false, asn1.dateToUtcTime(new Date()))),
    attribute(forge.pki.oids.messageDigest, node(Type.OCTETSTRING, false, binaryString(digest))),
  ]
    .map((attr) => asn1.toDer(attr).getBytes())
    // DER orders a SET OF by its members' encodings.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((der) => asn1.fromDer(der));
  // The signature covers the attributes as a SET OF (RFC 5652 §5.4).
  const signedBytes = bytesOf(asn1.toDer(node(Type.SET, true, attributes)).getBytes());
  const scalar = chosen.gost;
  let signature;
  try {
    signature = await signGost(scalar, signedBytes);
  } finally {
    scalar.fill(0);
  }
  const certificate = originalAsn1(forge, chosen.certBag);
  const tbs = certificate.value[0].value;
  // The version [0] comes first when present: then serial, signature algorithm, issuer.
  const at = tbs[0].tagClass === Class.CONTEXT_SPECIFIC ? 1 : 0;
  const signerInfo = node(Type.SEQUENCE, true, [
    node(Type.INTEGER, false, String.fromCharCode(1)),
    node(Type.SEQUENCE, true, [tbs[at + 2], tbs[at]]),
    algorithm(STREEBOG_512),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, attributes),
    algorithm(GOST_SIGNATURE),
    node(Type.OCTETSTRING, false, binaryString(signature)),
  ]);
  const signedData = node(Type.SEQUENCE, true, [
    node(Type.INTEGER, false, String.fromCharCode(1)),
    node(Type.SET, true, [algorithm(STREEBOG_512)]),
    node(Type.SEQUENCE, true, [oid(forge.pki.oids.data)]),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [certificate]),
    node(Type.SET, true, [signerInfo]),
  ]);
  const contentInfo = node(Type.SEQUENCE, true, [
    oid(forge.pki.oids.signedData),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [signedData]),
  ]);
  return forge.util.encode64(asn1.toDer(contentInfo).getBytes());
}
