// Register a case in my organ: its ERDR number, date, qualification (one article per line),
// and optionally another lead officer of my organ and the supervising prosecutor.

import { api, ApiProblem } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, form, field, announce, keepDraft, clearDraft, link } from '../../ui.js';
import { almatyToday } from './filings.js';

const DRAFT = 'officer-case-new';

export function render({ navigate }) {
  const node = form({
    name: 'case',
    submitLabel: t('ocases.new.submit'),
    fields: [
      field({ name: 'erdr_number', label: t('ocases.new.erdr_number'), hint: t('ocases.new.erdr_number_hint'), inputmode: 'numeric', pattern: '[0-9]{15}', maxlength: 15, autocomplete: 'off', required: true }),
      field({ name: 'registered_on', type: 'date', label: t('ocases.new.registered_on'), value: almatyToday(), required: true }),
      field({ name: 'articles', type: 'textarea', rows: 3, label: t('ocases.new.articles'), hint: t('ocases.new.articles_hint'), required: true }),
      field({ name: 'lead_officer_iin', label: t('ocases.new.lead_officer_iin'), hint: t('ocases.new.lead_officer_iin_hint'), inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: 12, autocomplete: 'off' }),
      field({ name: 'prosecutor_iin', label: t('ocases.new.prosecutor_iin'), hint: t('ocases.new.prosecutor_iin_hint'), inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: 12, autocomplete: 'off' }),
    ],
    async onSubmit(values) {
      const body = {
        erdr_number: values.erdr_number,
        registered_on: values.registered_on,
        articles: values.articles.split('\n').map((line) => line.trim()).filter(Boolean),
      };
      if (values.lead_officer_iin) body.lead_officer_iin = values.lead_officer_iin;
      if (values.prosecutor_iin) body.prosecutor_iin = values.prosecutor_iin;
      let created;
      try {
        created = await api('/api/officer/cases', { method: 'POST', json: body });
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 409) {
          throw new ApiProblem(422, { status: 422, errors: [{ field: 'erdr_number', code: 'case_exists', message: '' }] });
        }
        throw error;
      }
      clearDraft(DRAFT);
      announce(t('ocases.new.done', { erdr: created.erdr_number }));
      navigate(`/officer/cases/${created.erdr_number}`);
    },
  });
  keepDraft(node, DRAFT);
  return page(
    'ocases.new.title',
    h('p', { class: 'lead' }, t('ocases.new.lead')),
    h('div', { class: 'card' }, node),
    h('p', {}, link('/officer/cases', t('ocases.back'))),
  );
}
