// Officers sign their documents (a procedural decision, an answer's document) with their
// EDS (see ../../sign.js): the choice of how, the key file and password it may need.

import { t } from '../../i18n.js';
import { field, radios, showField } from '../../ui.js';

export { signContent, signatureRefusalAtChoice } from '../../sign.js';

/** The choice of how to sign, and the key file and password it may need. */
export function signingFields() {
  return [
    radios({
      name: 'sign_with',
      label: t('ocase.decision.sign_with'),
      value: 'key',
      required: true,
      options: ['key', 'ncalayer', 'none'].map((how) => ({ value: how, label: t(`ocase.decision.sign_${how}`) })),
    }),
    field({ name: 'sign_key', type: 'file', label: t('ocase.decision.sign_file'), accept: '.p12,.pfx,application/x-pkcs12', required: true }),
    field({ name: 'sign_password', type: 'password', label: t('signin.eds.password'), hint: t('signin.eds.password_hint'), autocomplete: 'off', required: true }),
  ];
}

/** Shows the key file and password only when signing with the key file, now and on change. */
export function showSigning(form) {
  const update = () => {
    const how = (form.querySelector('input[name="sign_with"]:checked') || {}).value;
    showField(form.querySelector('[data-field="sign_key"]'), how === 'key');
    showField(form.querySelector('[data-field="sign_password"]'), how === 'key');
  };
  for (const input of form.querySelectorAll('input[name="sign_with"]')) input.addEventListener('change', update);
  update();
}
