// The cases I lead, supervise or (head of unit) my organ's, newest first, paged by cursor;
// officers who may register a case get the link to do so.

import { api } from '../../api.js';
import { t, formatDate } from '../../i18n.js';
import { h, page, section, table, time, link, badge, pagedList, withPage } from '../../ui.js';

const PAGE_SIZE = 25;

function casesTable(cases) {
  return table(
    [
      { label: t('ocases.col.erdr'), cell: (c) => link(`/officer/cases/${c.erdr_number}`, c.erdr_number, { dataset: { link: 'case' } }) },
      { label: t('ocases.col.registered_on'), cell: (c) => formatDate(c.registered_on) },
      { label: t('ocases.col.articles'), cell: (c) => (c.articles || []).join('; ') },
      { label: t('ocases.col.stage'), cell: (c) => badge(t(`ocase.stage.${c.stage}`), 'info') },
      { label: t('ocases.col.organ'), cell: (c) => (c.organ ? c.organ.name : '—') },
      { label: t('ocases.col.updated'), cell: (c) => time(c.updated_at) },
    ],
    cases.map((c) => ({ ...c, dataset: { erdr: c.erdr_number } })),
    t('ocases.caption'),
  );
}

export async function render({ me }) {
  const list = await pagedList({
    async load(cursor) {
      const result = await api(withPage('/api/officer/cases', cursor, PAGE_SIZE));
      return { items: result.cases, next: result.next_cursor };
    },
    draw: casesTable,
    emptyKey: 'ocases.empty',
  });
  const results = h('div', { dataset: { section: 'cases' } }, list.node);
  // The server decides who registers cases.
  const mayRegister = Boolean(me.may_register_cases);
  return page(
    'ocases.title',
    h('p', { class: 'lead' }, t('ocases.lead')),
    mayRegister ? h('div', { class: 'toolbar' }, link('/officer/cases/new', t('ocases.new_link'), { class: 'button primary', dataset: { action: 'new-case' } })) : null,
    section(t('ocases.list'), results),
  );
}
