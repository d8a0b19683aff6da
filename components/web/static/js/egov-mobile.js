// Signing with the key in the eGov mobile app (NITEC's QR / cross-device signing). The portal
// starts a signing; this page shows its QR code (and, on a phone, a link that opens the app),
// then asks the portal until the phone has signed. The phone talks to the portal, never to this
// page; the page's proof that the result is its own is the poll token, kept in memory only.

import { api, ApiProblem } from './api.js';
import { t } from './i18n.js';
import { h } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
/** How often the page asks whether the phone has signed. */
const POLL_MS = 2000;

/** Shaped like the API's 422 so a form shows it at `field`. */
function problemAt(field, code) {
  return new ApiProblem(422, { status: 422, errors: [{ field, code, message: '' }] });
}

/** The QR code for `text`, drawn as one SVG path from the encoder's matrix (no markup from it). */
async function qrSvg(text) {
  const { qrcode } = await import('../vendor/qrcode-generator-2.0.4/qrcode.mjs');
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const count = code.getModuleCount();
  const quiet = 4;
  let path = '';
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (code.isDark(row, col)) path += `M${col + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  const size = count + 2 * quiet;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('class', 'qr');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('egov.qr_label'));
  svg.setAttribute('shape-rendering', 'crispEdges');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  const modules = document.createElementNS(SVG, 'path');
  modules.setAttribute('d', path);
  modules.setAttribute('fill', '#000');
  svg.append(background, modules);
  return svg;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Shows `started` (the portal's signing: `id`, `qr`, `deep_link`, `poll_token`, `expires_at`) in
 * `holder` and waits for the phone. Resolves to the portal's final answer (a session for a
 * sign-in, `{state: 'signed', signature}` for a document); rejects with a problem at `field`
 * when the signing expires or the page moved on.
 */
export async function waitForPhone(holder, started, { field }) {
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' }, t('egov.waiting'));
  holder.replaceChildren(
    h(
      'div',
      { class: 'egov-mobile', dataset: { signing: started.id } },
      h('p', {}, t('egov.scan')),
      await qrSvg(started.qr),
      h('p', {}, h('a', { href: started.deep_link, rel: 'noopener', dataset: { action: 'egov-open-app' } }, t('egov.open_app'))),
      status,
    ),
  );
  holder.hidden = false;
  const ends = Date.parse(started.expires_at);
  try {
    for (;;) {
      await sleep(POLL_MS);
      if (!holder.isConnected) throw problemAt(field, 'signing_abandoned');
      if (Date.now() > ends) throw problemAt(field, 'signing_expired');
      let answer;
      try {
        answer = await api(`/api/auth/egov-mobile/${encodeURIComponent(started.id)}/result`, {
          method: 'POST',
          json: { poll_token: started.poll_token },
          signingIn: true,
        });
      } catch (error) {
        // Gone: expired, or collected already (another tab of this page cannot have the token).
        if (error instanceof ApiProblem && error.status === 404) throw problemAt(field, 'signing_expired');
        // A moment's outage: ask again while the signing lives.
        if (error instanceof ApiProblem && error.status >= 500) continue;
        throw error;
      }
      if (answer && answer.state === 'pending') continue;
      status.textContent = t('egov.signed');
      return answer;
    }
  } finally {
    if (holder.isConnected) holder.replaceChildren();
    holder.hidden = true;
  }
}
