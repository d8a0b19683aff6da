// Sign in with an EDS key and certificate (signed in the page) or with IIN and password.

import { api, ApiProblem } from '../api.js';
import { t } from '../i18n.js';
import { h, page, form, field, readText } from '../ui.js';
import { signedIn } from '../app.js';
import { importSigningKey, signBase64, certificateChain, KeyError } from '../eds.js';

function localProblem(code) {
  // Shaped like the API's 422 so the form shows it next to the field it concerns.
  const fieldName = code.startsWith('certificate') ? 'certificate' : 'key';
  return new ApiProblem(422, { status: 422, errors: [{ field: fieldName, code, message: '' }] });
}

function edsForm() {
  return form({
    name: 'eds',
    submitLabel: t('signin.eds.submit'),
    fields: [
      field({ name: 'key', type: 'file', label: t('signin.eds.key'), hint: t('signin.eds.key_hint'), accept: '.pem,.key,application/x-pem-file', required: true }),
      field({ name: 'certificate', type: 'file', label: t('signin.eds.certificate'), hint: t('signin.eds.certificate_hint'), accept: '.pem,.crt,.cer,application/x-pem-file', required: true }),
    ],
    async onSubmit(values) {
      let signing;
      let certificate;
      try {
        signing = await importSigningKey(await readText(values.key[0]));
        certificate = certificateChain(await readText(values.certificate[0]));
      } catch (error) {
        if (error instanceof KeyError) throw localProblem(error.code);
        throw error;
      }
      const challenge = await api('/api/auth/challenge', { signingIn: true });
      // The portal says exactly what to sign: purpose, origin and nonce, never the bare nonce.
      const signature = await signBase64(signing, challenge.to_sign);
      const result = await api('/api/auth/eds', {
        method: 'POST',
        json: { certificate, nonce: challenge.nonce, signature },
        signingIn: true,
      });
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
  const password = passwordForm();
  const panels = [
    { id: 'eds', label: t('signin.tab.eds'), node: eds },
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
