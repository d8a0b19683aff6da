// Signing through NCALayer, the national CA's signing application, which the page reaches
// over a WebSocket on this computer (wss://127.0.0.1:13579). The person picks the key and
// types its password in NCALayer's own window; the page gets back a CMS signature (detached,
// over the challenge) that carries the certificate chain. The newer `kz.gov.pki.knca.basics`
// module is asked first; where only the older `commonUtils` is there, it is used instead.

export const NCALAYER_URL = 'wss://127.0.0.1:13579/';
/** NCALayer waits for the person to choose a key: as long as a challenge lives, less a minute. */
const ANSWER_TIMEOUT_MS = 4 * 60 * 1000;
const CONNECT_TIMEOUT_MS = 5000;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export class NcaLayerError extends Error {
  constructor(code, detail) {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

/** The CMS (PEM or base64) out of a `basics` answer: a string, or the first of an array. */
function basicsResult(message) {
  if (message.status === false) {
    if (message.errorCode === 'MODULE_NOT_FOUND' || message.code === 'MODULE_NOT_FOUND') return { fallback: true };
    throw new NcaLayerError('ncalayer_failed', message.code || message.message);
  }
  if (message.success === false && message.errorCode === 'MODULE_NOT_FOUND') return { fallback: true };
  const body = message.body || {};
  if (!('result' in body)) throw new NcaLayerError('ncalayer_cancelled');
  const result = Array.isArray(body.result) ? body.result[0] : body.result;
  if (typeof result !== 'string' || !result) throw new NcaLayerError('ncalayer_failed', 'empty result');
  return { cms: result };
}

function commonUtilsResult(message) {
  if (String(message.code) === '200' && typeof message.responseObject === 'string') return message.responseObject;
  if (/cancel/i.test(String(message.message))) throw new NcaLayerError('ncalayer_cancelled');
  throw new NcaLayerError('ncalayer_failed', message.message);
}

/** One socket, one request in flight: resolves each answer in turn. */
function connect() {
  return new Promise((resolve, reject) => {
    let socket;
    try {
      socket = new WebSocket(NCALAYER_URL);
    } catch {
      reject(new NcaLayerError('ncalayer_unavailable'));
      return;
    }
    const waiting = [];
    let opened = false;
    const timer = setTimeout(() => {
      socket.close();
      reject(new NcaLayerError('ncalayer_unavailable'));
    }, CONNECT_TIMEOUT_MS);
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      // The first message is NCALayer's greeting with its version.
      if (!opened) {
        opened = true;
        clearTimeout(timer);
        resolve({
          ask(request, timeoutMs = ANSWER_TIMEOUT_MS) {
            return new Promise((answer, fail) => {
              const entry = { answer, fail, timer: setTimeout(() => fail(new NcaLayerError('ncalayer_no_answer')), timeoutMs) };
              waiting.push(entry);
              socket.send(JSON.stringify(request));
            });
          },
          close: () => socket.close(),
        });
        return;
      }
      const entry = waiting.shift();
      if (entry) {
        clearTimeout(entry.timer);
        entry.answer(message);
      }
    });
    const lost = () => {
      clearTimeout(timer);
      if (!opened) reject(new NcaLayerError('ncalayer_unavailable'));
      for (const entry of waiting.splice(0)) {
        clearTimeout(entry.timer);
        entry.fail(new NcaLayerError('ncalayer_unavailable'));
      }
    };
    socket.addEventListener('error', lost);
    socket.addEventListener('close', lost);
  });
}

/** Base64 of text's UTF-8 bytes, or of a Uint8Array. */
function base64Of(content) {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Asks NCALayer for a detached CMS signature over `content` (text, as its UTF-8 bytes, or a
 * Uint8Array) with an authentication key (`purpose: 'auth'`) or a signing key (`'sign'`), its
 * window in `locale`. Resolves to the CMS as NCALayer gives it (PEM or base64); the server
 * reads both.
 */
export async function signWithNcaLayer(content, { purpose = 'auth', locale = 'ru', iin } = {}) {
  const layer = await connect();
  try {
    const data = base64Of(content);
    const signerParams = { extKeyUsageOids: purpose === 'auth' ? [CLIENT_AUTH] : ['1.3.6.1.5.5.7.3.4'], chain: [] };
    if (iin) signerParams.iin = iin;
    const answer = basicsResult(
      await layer.ask({
        module: 'kz.gov.pki.knca.basics',
        method: 'sign',
        args: {
          format: 'cms',
          data,
          signingParams: { decode: true, encapsulate: false, digested: false, tsaProfile: null },
          signerParams,
          locale: locale === 'en' ? 'ru' : locale,
        },
      }),
    );
    if (!answer.fallback) return answer.cms;
    return commonUtilsResult(
      await layer.ask({
        module: 'kz.gov.pki.knca.commonUtils',
        method: 'createCAdESFromBase64',
        args: ['PKCS12', purpose === 'auth' ? 'AUTHENTICATION' : 'SIGNATURE', data, false],
      }),
    );
  } finally {
    layer.close();
  }
}
