// Signing a document or a filing with the person's EDS: a detached CMS over exact bytes (text
// as its UTF-8), made in the page with the .p12 signing key or through NCALayer (keys on a
// token or ID card, GOST keys). The key and its password never leave the page; the portal
// checks the signature is the sender's and over these bytes. Forms name the choice
// `sign_with` (`key`, `ncalayer`, `none`) and the key file and password `sign_key` and
// `sign_password`, so problems are shown at those fields.

import { ApiProblem } from './api.js';
import { language } from './i18n.js';
import { KeyError } from './eds.js';
import { signCmsWithPkcs12 } from './pkcs12.js';
import { signWithNcaLayer, NcaLayerError } from './ncalayer.js';

function localProblem(field, code) {
  return new ApiProblem(422, { status: 422, errors: [{ field, code, message: '' }] });
}

/**
 * The CMS over `content` (a string or a Uint8Array) as `values.sign_with` chose, or null for
 * `none`; NCALayer offers only the keys of `iin` when it is given.
 */
export async function signContent(content, values, { iin } = {}) {
  if (values.sign_with === 'none') return null;
  if (values.sign_with === 'ncalayer') {
    try {
      return await signWithNcaLayer(content, { purpose: 'sign', locale: language(), iin });
    } catch (error) {
      if (error instanceof NcaLayerError) throw localProblem('sign_with', error.code);
      throw error;
    }
  }
  try {
    return await signCmsWithPkcs12(new Uint8Array(await values.sign_key[0].arrayBuffer()), values.sign_password, content);
  } catch (error) {
    if (error instanceof KeyError) throw localProblem(error.code === 'p12_password' ? 'sign_password' : 'sign_key', error.code);
    throw error;
  }
}

/** The portal's refusal of a signature (at `fieldName`) shown at the choice of how to sign. */
export function signatureRefusalAtChoice(error, fieldName) {
  if (error instanceof ApiProblem) {
    for (const item of error.errors) if (item.field === fieldName) item.field = 'sign_with';
  }
  return error;
}
