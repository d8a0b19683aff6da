// My cases (where an officer confirmed my procedural status) and my requests for a status.

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, section, table, time, link, apiList } from '../../ui.js';
import { statusWithPrincipal, myStatuses, stageBadge, requestStateBadge, date } from './common.js';

function casesTable(cases) {
  return table(
    [
      { label: t('cases.erdr'), cell: (c) => link(`/cases/${encodeURIComponent(c.erdr_number)}`, c.erdr_number) },
      {
        label: t('cases.my_status'),
        cell: (c) => myStatuses(c),
      },
      { label: t('cases.stage'), cell: (c) => (c.stage ? stageBadge(c.stage) : '—') },
      { label: t('cases.articles'), cell: (c) => (c.articles || []).join('; ') || '—' },
      { label: t('cases.organ'), cell: (c) => (c.organ && c.organ.name) || '—' },
      { label: t('cases.registered_on'), cell: (c) => date(c.registered_on) },
    ],
    cases.map((c) => ({ ...c, dataset: { erdr: c.erdr_number } })),
    t('cases.caption'),
  );
}

/** My access requests as a table (also shown under the request form). */
export function requestsTable(requests) {
  return table(
    [
      {
        label: t('cases.erdr'),
        cell: (r) => (r.state === 'confirmed' ? link(`/cases/${encodeURIComponent(r.erdr_number)}`, r.erdr_number) : r.erdr_number),
      },
      { label: t('access.status'), cell: (r) => statusWithPrincipal(r.procedural_status, r.represented_iin) },
      { label: t('access.state'), cell: (r) => requestStateBadge(r.state) },
      { label: t('access.requested_at'), cell: (r) => time(r.requested_at) },
      { label: t('access.decided_at'), cell: (r) => (r.decided_at ? time(r.decided_at) : h('span', { class: 'muted' }, t('access.pending'))) },
      { label: t('access.reason'), cell: (r) => r.reason || (r.state === 'rejected' ? t('access.no_reason') : '—') },
    ],
    requests.map((r) => ({ ...r, dataset: { id: String(r.id), state: r.state } })),
    t('access.caption'),
  );
}

export async function requestsSection() {
  const list = await apiList('/api/cases/access-requests', 'access_requests', { draw: requestsTable, emptyKey: 'access.none' });
  const node = section(t('access.list_title'), list.node);
  node.dataset.section = 'access-requests';
  return node;
}

export async function render() {
  const list = await apiList('/api/cases', 'cases', { draw: casesTable, emptyKey: 'cases.none' });
  const mine = section(t('cases.list_title'), h('p', { class: 'hint' }, t('cases.lead')), list.node);
  mine.dataset.section = 'cases';
  return page(
    'cases.title',
    h(
      'div',
      { class: 'toolbar' },
      link('/cases/request', t('cases.request_access'), { class: 'button primary', dataset: { action: 'request-access' } }),
      link('/file', t('cases.file'), { class: 'button secondary' }),
    ),
    mine,
    await requestsSection(),
  );
}
