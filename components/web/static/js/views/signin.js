// Sign in with EDS — a key container (.p12/.pfx, opened with its password in the page), a
// PEM key and certificate, NCALayer, or the key in the eGov mobile app — or with IIN and
// password. Whatever the way, only the
// certificate chain and a signature over the portal's challenge leave the page.

import { api, ApiProblem } from '../api.js';
import { t, language } from '../i18n.js';
import { h, page, form, field, readText, showField } from '../ui.js';
import { signedIn } from '../app.js';
import { importSigningKey, signBase64, certificateChain, KeyError } from '../eds.js';
import { isPkcs12, openPkcs12 } from '../pkcs12.js';
import { signWithNcaLayer, NcaLayerError } from '../ncalayer.js';
import { waitForPhone } from '../egov-mobile.js';
import { solveWork } from '../work.js';

/**
 * Sends an EDS sign-in with the proof of work the portal asks of this network (none unless
 * many sign-ins from it failed lately). If it asks more by the time the answer arrives, the
 * work is done again at the new level, once, over the same challenge (a refusal for missing
 * work does not spend it).
 */
async function sendEdsSignIn(challenge, proof) {
  const send = async (bits) => api('/api/auth/eds', {
    method: 'POST',
    json: { ...proof, nonce: challenge.nonce, work: await solveWork(challenge.nonce, bits) },
    signingIn: true,
  });
  try {
    return await send(challenge.work_bits);
  } catch (error) {
    const owed = error instanceof ApiProblem && error.status === 429 ? error.problem.work_bits : undefined;
    if (!owed) throw error;
    return send(owed);
  }
}

/** Shaped like the API's 422 so the form shows it next to the field it concerns. */
function localProblem(code, fieldName) {
  return new ApiProblem(422, { status: 422, errors: [{ field: fieldName, code, message: '' }] });
}

function keyFieldOf(code) {
  if (code.startsWith('certificate')) return 'certificate';
  if (code === 'p12_password') return 'password';
  return 'key';
}

async function firstByte(file) {
  const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  return head.length ? head[0] : null;
}

/** The signing key and chain from what the person picked: a container, or PEM key + certificate. */
async function keyFromFiles(values) {
  const file = values.key[0];
  if (isPkcs12(file, await firstByte(file))) {
    if (values.password === undefined) throw new KeyError('p12_password');
    return openPkcs12(new Uint8Array(await file.arrayBuffer()), values.password);
  }
  if (!values.certificate || !values.certificate[0]) throw new KeyError('certificate_unreadable');
  const signing = await importSigningKey(await readText(file));
  const certificate = certificateChain(await readText(values.certificate[0]));
  return { signing, certificate };
}

function edsForm() {
  const node = form({
    name: 'eds',
    submitLabel: t('signin.eds.submit'),
    fields: [
      field({ name: 'key', type: 'file', label: t('signin.eds.key'), hint: t('signin.eds.key_hint'), accept: '.p12,.pfx,.pem,.key,application/x-pkcs12,application/x-pem-file', required: true }),
      field({ name: 'password', type: 'password', label: t('signin.eds.password'), hint: t('signin.eds.password_hint'), autocomplete: 'off', required: true }),
      field({ name: 'certificate', type: 'file', label: t('signin.eds.certificate'), hint: t('signin.eds.certificate_hint'), accept: '.pem,.crt,.cer,application/x-pem-file', required: true }),
    ],
    async onSubmit(values) {
      let key;
      try {
        key = await keyFromFiles(values);
      } catch (error) {
        if (error instanceof KeyError) throw localProblem(error.code, keyFieldOf(error.code));
        throw error;
      }
      const challenge = await api('/api/auth/challenge', { signingIn: true });
      // The portal says exactly what to sign: purpose, origin and nonce, never the bare nonce.
      const signature = await signBase64(key.signing, challenge.to_sign);
      const result = await sendEdsSignIn(challenge, { certificate: key.certificate, signature });
      await signedIn(result);
    },
  });
  // A container asks for its password; a PEM key for its certificate. Nothing until a file is picked.
  const keyInput = node.querySelector('input[name="key"]');
  const show = (file, container) => {
    showField(node.querySelector('[data-field="password"]'), Boolean(file) && container);
    showField(node.querySelector('[data-field="certificate"]'), Boolean(file) && !container);
  };
  const update = async () => {
    const file = keyInput.files && keyInput.files[0];
    // By name at once; then by content, for a container whose name does not say so.
    show(file, Boolean(file) && isPkcs12(file, null));
    if (file) show(file, isPkcs12(file, await firstByte(file)));
  };
  keyInput.addEventListener('change', update);
  showField(node.querySelector('[data-field="password"]'), false);
  showField(node.querySelector('[data-field="certificate"]'), false);
  return node;
}

/** Sign-in through NCALayer: the key and its password stay in NCALayer's own window. */
function ncaLayerForm() {
  return form({
    name: 'ncalayer',
    submitLabel: t('signin.ncalayer.submit'),
    fields: [h('p', { class: 'hint' }, t('signin.ncalayer.lead'))],
    async onSubmit() {
      const challenge = await api('/api/auth/challenge', { signingIn: true });
      let cms;
      try {
        cms = await signWithNcaLayer(challenge.to_sign, { purpose: 'auth', locale: language() });
      } catch (error) {
        if (error instanceof NcaLayerError) throw localProblem(error.code, 'ncalayer');
        throw error;
      }
      const result = await sendEdsSignIn(challenge, { cms });
      await signedIn(result);
    },
  });
}

/** Sign-in with the key in the eGov mobile app: a QR code to scan, or a link on the phone. */
function egovMobileForm() {
  const holder = h('div', { dataset: { field: 'egov_mobile' }, hidden: true });
  return form({
    name: 'egov-mobile',
    submitLabel: t('signin.egov.submit'),
    fields: [h('p', { class: 'hint' }, t('signin.egov.lead')), holder],
    async onSubmit() {
      const challenge = await api('/api/auth/challenge', { signingIn: true });
      const started = await api('/api/auth/egov-mobile', { method: 'POST', json: { nonce: challenge.nonce }, signingIn: true });
      const result = await waitForPhone(holder, started, { field: 'egov_mobile' });
      await signedIn(result);
    },
  });
}

function passwordForm() {
  return form({
    name: 'password-signin',
    submitLabel: t('signin.password.submit'),
    fields: [
      field({ name: 'iin', label: t('field.iin'), hint: t('field.iin_hint'), inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: 12, autocomplete: 'username', required: true }),
      field({ name: 'password', type: 'password', label: t('field.password'), autocomplete: 'current-password', required: true }),
    ],
    async onSubmit(values) {
      const result = await api('/api/auth/login', { method: 'POST', json: { iin: values.iin, password: values.password }, signingIn: true });
      await signedIn(result);
    },
  });
}

export function render() {
  const eds = edsForm();
  const ncaLayer = ncaLayerForm();
  const egovMobile = egovMobileForm();
  const password = passwordForm();
  const panels = [
    { id: 'eds', label: t('signin.tab.eds'), node: eds },
    { id: 'ncalayer', label: t('signin.tab.ncalayer'), node: ncaLayer },
    { id: 'egov-mobile', label: t('signin.tab.egov'), node: egovMobile },
    { id: 'password', label: t('signin.tab.password'), node: password },
  ];
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('signin.method') });
  const bodies = [];
  const select = (chosen) => {
    for (const panel of panels) {
      const on = panel.id === chosen;
      panel.tab.setAttribute('aria-selected', String(on));
      panel.tab.tabIndex = on ? 0 : -1;
      panel.body.hidden = !on;
    }
  };
  for (const [index, panel] of panels.entries()) {
    panel.tab = h('button', { type: 'button', role: 'tab', id: `tab-${panel.id}`, 'aria-controls': `panel-${panel.id}`, dataset: { action: `tab-${panel.id}` } }, panel.label);
    panel.body = h('div', { role: 'tabpanel', id: `panel-${panel.id}`, 'aria-labelledby': `tab-${panel.id}` }, panel.node);
    panel.tab.addEventListener('click', () => select(panel.id));
    panel.tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step) return;
      const next = panels[(index + step + panels.length) % panels.length];
      select(next.id);
      next.tab.focus();
    });
    tabs.append(panel.tab);
    bodies.push(panel.body);
  }
  select('eds');
  return page(
    'signin.title',
    h('p', { class: 'lead' }, t('signin.lead')),
    h('div', { class: 'card narrow' }, tabs, bodies, h('p', { class: 'hint' }, t('signin.key_stays'))),
  );
}
