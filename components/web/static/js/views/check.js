// The public check of a printed receipt: the page its QR code opens, for anyone holding the
// paper (a court clerk, the person's lawyer), without signing in. It shows what the portal
// registered under the number; the code in the address is what proves the visitor holds it.

import { api } from '../api.js';
import { t } from '../i18n.js';
import { h, page, details, time, badge, errorBox } from '../ui.js';

export async function render({ params, query }) {
  const number = params.number;
  const code = query.get('c') || '';
  let facts;
  try {
    facts = await api(`/api/filings/receipts/${encodeURIComponent(number)}?code=${encodeURIComponent(code)}`, { signingIn: true });
  } catch (error) {
    const view = page('check.title', error.status === 404 || error.status === 422
      ? h('p', { class: 'notice', role: 'alert', dataset: { check: 'not-found' } }, t('check.not_found'))
      : errorBox(error));
    return view;
  }
  const label = (prefix, value) => t(`${prefix}${value}`);
  const verdict = facts.valid
    ? badge(t('check.valid'), 'ok')
    : badge(t('check.invalid'), 'danger');
  verdict.dataset.check = facts.valid ? 'valid' : 'invalid';
  verdict.classList.add('wraps'); // a sentence, not a word: it wraps on a phone
  const view = page(
    'check.title',
    h('p', {}, t('check.lead')),
    details([
      [t('check.verdict'), verdict],
      [t('filing.number'), h('strong', {}, facts.registration_number)],
      [t('filing.kind'), label('filing.kind.', facts.kind)],
      [t('filing.addressee'), label('filing.addressee.', facts.addressee)],
      facts.organ ? [t('filing.organ'), facts.organ] : null,
      facts.erdr_number ? [t('filing.case'), facts.erdr_number] : null,
      [t('filing.filer'), facts.filer_iin],
      facts.on_behalf_of_iin ? [t('filing.on_behalf'), facts.on_behalf_of_iin] : null,
      [t('filing.submitted_at'), time(facts.submitted_at)],
      [t('filing.due_at'), time(facts.due_at)],
      [t('check.content_sha256'), h('code', { class: 'hash' }, facts.content_sha256)],
      [t('filing.attachments'), facts.attachments_sha256.length
        ? h('ul', {}, facts.attachments_sha256.map((sha) => h('li', {}, h('code', { class: 'hash' }, sha))))
        : '—'],
      [t('check.eds'), t(facts.signed_with_eds ? 'check.eds_yes' : 'check.eds_no')],
    ]),
    h('p', { class: 'muted' }, t('check.what_it_proves')),
  );
  view.dataset.check = 'receipt';
  return view;
}
