// A stand-in for NCALayer in the browser journeys (never part of the product): a WebSocket
// server on wss://127.0.0.1:13579 that speaks NCALayer's documented protocol — a greeting with
// its version, `kz.gov.pki.knca.basics` → `sign` with named arguments, the older
// `kz.gov.pki.knca.commonUtils` → `createCAdESFromBase64` with positional ones — and signs with
// a test key, as a detached CMS with the certificate chain and the signed attributes content
// type, signing time and message digest. `mode` plays what a person may do in NCALayer's
// window: sign with the authentication key, sign with the signing key, or cancel.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import forge from 'node-forge';
import { WebSocketServer } from 'ws';

export const NCALAYER_PORT = 13579;

function signCms(dataBase64, signer, { otherContent = false, signedAt = new Date() } = {}) {
  const p7 = forge.pkcs7.createSignedData();
  const data = forge.util.decode64(dataBase64);
  p7.content = forge.util.createBuffer(otherContent ? `${data} (changed)` : data);
  for (const cert of signer.certificates) p7.addCertificate(cert);
  p7.addSigner({
    key: signer.key,
    certificate: signer.certificates[0],
    digestAlgorithm: forge.pki.oids.sha256,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
      { type: forge.pki.oids.signingTime, value: signedAt },
      { type: forge.pki.oids.messageDigest },
    ],
  });
  p7.sign({ detached: true });
  const contentInfo = p7.toAsn1();
  // The certificates as issued, not as forge writes them back (which can break their signature).
  const certificates = contentInfo.value[1].value[0].value.find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 0);
  certificates.value = signer.originals.map((der) => forge.asn1.fromDer(der));
  const der = forge.asn1.toDer(contentInfo).getBytes();
  // NCALayer's basics module answers PEM-armoured CMS.
  return `-----BEGIN CMS-----\n${forge.util.encode64(der).replace(/.{1,64}/g, '$&\n')}-----END CMS-----\n`;
}

function loadSigner(keyPath, certPaths) {
  const pems = certPaths.map((path) => readFileSync(path, 'utf8'));
  return {
    key: forge.pki.privateKeyFromPem(readFileSync(keyPath, 'utf8')),
    certificates: pems.map((pem) => forge.pki.certificateFromPem(pem)),
    originals: pems.map((pem) => forge.pem.decode(pem)[0].body),
  };
}

/**
 * Starts the stand-in. `kit` names PEM files: `tlsKey`, `tlsCert` (for 127.0.0.1), `authKey`,
 * `authCert`, `signKey`, `signCert`, `strangerKey`, `strangerCert`. Returns
 * `{ setMode(mode), requests, close() }`; mode is 'auth' (sign with the authentication key),
 * 'sign' (with the signing key), 'cancel', or a wrong answer: 'stranger' (another person's
 * key), 'other-content' (other bytes than asked), 'stale' (signed two hours ago).
 */
export async function startNcaLayer(kit) {
  const signers = {
    // The leaf alone: the demo's authority is a trust anchor (and an elliptic-curve key forge
    // cannot read); real NCALayer adds the issuing CA.
    auth: loadSigner(kit.authKey, [kit.authCert]),
    sign: loadSigner(kit.signKey, [kit.signCert]),
    stranger: loadSigner(kit.strangerKey, [kit.strangerCert]),
  };
  // What a person (or a tampered NCALayer) may answer: each mode names a signer and how.
  const modes = {
    auth: { signer: signers.auth },
    sign: { signer: signers.sign },
    stranger: { signer: signers.stranger },
    'other-content': { signer: signers.sign, otherContent: true },
    stale: { signer: signers.sign, signedAt: new Date(Date.now() - 2 * 3600 * 1000) },
  };
  let mode = 'auth';
  const requests = [];
  const https = createServer({ key: readFileSync(kit.tlsKey), cert: readFileSync(kit.tlsCert) });
  const wss = new WebSocketServer({ server: https });
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify({ result: { version: '1.4' } }));
    socket.on('message', (raw) => {
      const text = String(raw);
      if (text === '--heartbeat--') {
        socket.send(text);
        return;
      }
      let request;
      try {
        request = JSON.parse(text);
      } catch {
        socket.send(JSON.stringify({ status: false, code: 'INVOCATION_ERROR', message: 'not JSON' }));
        return;
      }
      requests.push(request);
      if (request.module === 'kz.gov.pki.knca.basics' && request.method === 'sign') {
        const args = request.args || {};
        const params = args.signingParams || {};
        if (args.format !== 'cms' || params.decode !== true || typeof args.data !== 'string') {
          socket.send(JSON.stringify({ status: false, code: 'INVALID_SIGNING_PARAMS', message: 'format, decode or data' }));
          return;
        }
        if (mode === 'cancel') {
          socket.send(JSON.stringify({ status: true, body: {} }));
          return;
        }
        const how = modes[mode];
        socket.send(JSON.stringify({ status: true, body: { result: [signCms(args.data, how.signer, how)] } }));
        return;
      }
      if (request.module === 'kz.gov.pki.knca.commonUtils' && request.method === 'createCAdESFromBase64') {
        const [, , data] = request.args || [];
        if (mode === 'cancel') {
          socket.send(JSON.stringify({ code: '500', message: 'action.canceled' }));
          return;
        }
        const how = modes[mode];
        const pem = signCms(data, how.signer, how);
        socket.send(JSON.stringify({ code: '200', responseObject: pem.replace(/-----[A-Z ]+-----|\n/g, '') }));
        return;
      }
      socket.send(JSON.stringify({ success: false, errorCode: 'MODULE_NOT_FOUND' }));
    });
  });
  await new Promise((resolve, reject) => {
    https.once('error', reject);
    https.listen(NCALAYER_PORT, '127.0.0.1', resolve);
  });
  return {
    setMode(next) {
      mode = next;
    },
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => https.close(() => resolve()));
      }),
  };
}
