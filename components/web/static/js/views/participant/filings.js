// My filings and those filed for me: state, due time, overdue in words.

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, section, table, time, link, apiList } from '../../ui.js';
import { label, filingStateBadge, overdueMark } from './common.js';

function filingsTable(filings) {
  const node = table(
    [
      { label: t('filing.number'), cell: (f) => link(`/filings/${encodeURIComponent(f.id)}`, f.registration_number, { dataset: { id: String(f.id) } }) },
      { label: t('filing.kind'), cell: (f) => label('filing.kind.', f.kind) },
      { label: t('filing.case'), cell: (f) => f.erdr_number || '—' },
      { label: t('filing.state'), cell: (f) => filingStateBadge(f.state) },
      { label: t('filing.submitted_at'), cell: (f) => time(f.submitted_at) },
      { label: t('filing.due_at'), cell: (f) => [time(f.due_at), overdueMark(f)] },
    ],
    filings.map((f) => ({ ...f, dataset: { id: String(f.id), state: f.state, overdue: String(Boolean(f.overdue)) } })),
    t('filings.caption'),
  );
  return node;
}

export async function render() {
  const list = await apiList('/api/status/filings', 'filings', { draw: filingsTable, emptyKey: 'filings.none' });
  const mine = section(t('filings.list_title'), h('p', { class: 'hint' }, t('filings.lead')), list.node);
  mine.dataset.section = 'filings';
  return page('filings.title', h('div', { class: 'toolbar' }, link('/file', t('filings.new'), { class: 'button primary', dataset: { action: 'new-filing' } })), mine);
}
