// Officers sign their documents (a procedural decision, an answer's document) with their
// EDS: a detached CMS over the document's bytes, made in the page with the .p12 signing key
// or through NCALayer (keys on a token or ID card, GOST keys). The key and its password never
// leave the page; the portal checks the signature is the officer's and over these bytes.

import { ApiProblem } from '../../api.js';
import { t, language } from '../../i18n.js';
import { field, radios, showField } from '../../ui.js';
import { KeyError } from '../../eds.js';
import { signCmsWithPkcs12 } from '../../pkcs12.js';
import { signWithNcaLayer, NcaLayerError } from '../../ncalayer.js';

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

function localProblem(field, code) {
  return new ApiProblem(422, { status: 422, errors: [{ field, code, message: '' }] });
}

/** The officer's detached CMS over `bytes` as `values` chose (base64 or PEM), or null. */
export async function signDocument(bytes, values) {
  if (values.sign_with === 'none') return null;
  if (values.sign_with === 'ncalayer') {
    try {
      return await signWithNcaLayer(bytes, { purpose: 'sign', locale: language() });
    } catch (error) {
      if (error instanceof NcaLayerError) throw localProblem('sign_with', error.code);
      throw error;
    }
  }
  try {
    return await signCmsWithPkcs12(new Uint8Array(await values.sign_key[0].arrayBuffer()), values.sign_password, bytes);
  } catch (error) {
    if (error instanceof KeyError) throw localProblem(error.code === 'p12_password' ? 'sign_password' : 'sign_key', error.code);
    throw error;
  }
}

/** The portal's refusal of a signature (at `field`) shown at the choice of how to sign. */
export function signatureRefusalAtChoice(error, fieldName) {
  if (error instanceof ApiProblem) {
    for (const item of error.errors) if (item.field === fieldName) item.field = 'sign_with';
  }
  return error;
}
