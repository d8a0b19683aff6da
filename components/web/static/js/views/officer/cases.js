// The cases I lead, supervise or (head of unit) my organ's, newest first, paged by cursor;
// officers who may register a case get the link to do so.

import { api } from '../../api.js';
import { t, formatDate } from '../../i18n.js';
import { h, page, section, table, time, link, empty, busy, showProblem, badge } from '../../ui.js';

const PAGE_SIZE = 25;
const REGISTERING_ROLES = ['investigator', 'inquirer', 'head_of_unit'];

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
  const first = await api(`/api/officer/cases?limit=${PAGE_SIZE}`);
  let cases = first.cases;
  let cursor = first.next_cursor;
  const results = h('div', { dataset: { section: 'cases' } });
  const more = h('button', { type: 'button', class: 'secondary', dataset: { action: 'more' } }, t('action.more'));
  const draw = (focusIndex) => {
    if (!cases.length) {
      results.replaceChildren(empty('ocases.empty'));
      return;
    }
    results.replaceChildren(...[casesTable(cases), cursor ? h('div', { class: 'actions' }, more) : null].filter(Boolean));
    if (focusIndex !== undefined) {
      const row = results.querySelectorAll('tbody > tr')[focusIndex];
      const target = row && row.querySelector('a');
      if (target) target.focus();
    }
  };
  more.addEventListener('click', () =>
    busy(more, async () => {
      try {
        const next = await api(`/api/officer/cases?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(cursor)}`);
        const firstNew = cases.length;
        cases = cases.concat(next.cases);
        cursor = next.next_cursor;
        draw(firstNew);
      } catch (error) {
        showProblem(results, error);
      }
    }),
  );
  draw();
  const mayRegister = me.roles.some((role) => REGISTERING_ROLES.includes(role));
  return page(
    'ocases.title',
    h('p', { class: 'lead' }, t('ocases.lead')),
    mayRegister ? h('div', { class: 'toolbar' }, link('/officer/cases/new', t('ocases.new_link'), { class: 'button primary', dataset: { action: 'new-case' } })) : null,
    section(t('ocases.list'), results),
  );
}
