// My work queue: access requests in my cases and open filings I receive, soonest due first,
// overdue ones marked. A request is confirmed, or rejected with a reason, right here.

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, form, field, table, link, empty, announce, keepDraft, clearDraft, disclosureButton, actionButton } from '../../ui.js';
import { reload } from '../../app.js';
import { dueCell, stateBadge } from './filings.js';

async function decide(id, json) {
  await api(`/api/officer/access-requests/${encodeURIComponent(id)}/decision`, { method: 'POST', json });
}

function whatCell(item) {
  if (item.kind === 'access_request') {
    return [
      h('strong', {}, t('queue.kind.access_request')),
      h('br'),
      t(`ocase.status.${item.procedural_status}`),
    ];
  }
  return [
    h('strong', {}, t(`ofiling.kind.${item.filing_kind}`)),
    h('br'),
    link(`/officer/filings/${item.id}`, item.registration_number, { dataset: { link: 'filing' } }),
  ];
}

function detailCell(item) {
  if (item.kind === 'access_request') {
    return [
      item.person.full_name || t('queue.unknown_person'),
      ' ',
      h('span', { class: 'muted' }, t('queue.iin', { iin: item.person.iin })),
      item.represented_iin ? [h('br'), t('queue.represents', { iin: item.represented_iin })] : null,
      item.basis ? [h('br'), h('span', { class: 'muted' }, t('queue.basis')), ' ', item.basis] : null,
    ];
  }
  return stateBadge(item.state, item.open);
}

function caseCell(item) {
  return item.erdr_number ? link(`/officer/cases/${item.erdr_number}`, item.erdr_number) : h('span', { class: 'muted' }, t('ofilings.no_case'));
}

/** The confirm / reject controls of one access request; reject opens a form for the reason. */
function requestActions(item, container) {
  const draftKey = `reject-${item.id}`;
  const rejectForm = form({
    name: 'reject',
    submitLabel: t('queue.reject_submit'),
    fields: [field({ name: 'reason', type: 'textarea', rows: 3, maxlength: 2000, label: t('queue.reject_reason'), hint: t('queue.reject_reason_hint'), required: true })],
    async onSubmit(values) {
      await decide(item.id, { decision: 'reject', reason: values.reason });
      clearDraft(draftKey);
      announce(t('queue.rejected', { name: item.person.full_name || item.person.iin }));
      reload();
    },
  });
  keepDraft(rejectForm, draftKey);
  const formId = `reject-form-${item.id}`;
  rejectForm.id = formId;
  rejectForm.hidden = true;

  const confirm = actionButton(
    {
      tone: 'primary',
      action: 'confirm',
      problemsIn: container,
      run: () => decide(item.id, { decision: 'confirm' }),
      announced: t('queue.confirmed', { name: item.person.full_name || item.person.iin }),
      then: reload,
    },
    t('queue.confirm'),
  );
  const reject = disclosureButton({ label: t('queue.reject'), tone: 'danger', action: 'reject', panel: rejectForm, focus: 'textarea' });
  return [h('div', { class: 'actions' }, confirm, reject), rejectForm];
}

export async function render() {
  const { items } = await api('/api/officer/queue');
  const container = h('div', { dataset: { section: 'queue' } });
  if (!items.length) {
    container.append(empty('queue.empty'));
  } else {
    const overdue = items.filter((item) => item.overdue).length;
    if (overdue) container.append(h('p', { class: 'overdue', dataset: { overdueCount: String(overdue) } }, t('queue.overdue_count', { count: overdue })));
    const node = table(
      [
        { label: t('queue.col.what'), cell: whatCell },
        { label: t('queue.col.case'), cell: caseCell },
        { label: t('queue.col.detail'), cell: detailCell },
        { label: t('queue.col.due'), cell: dueCell },
        {
          label: t('queue.col.action'),
          cell: (item) =>
            item.kind === 'access_request'
              ? requestActions(item, container)
              : link(`/officer/filings/${item.id}`, t('queue.open_filing'), { class: 'button secondary', dataset: { action: 'open' } }),
        },
      ],
      items.map((item) => ({ ...item, dataset: { id: String(item.id), kind: item.kind } })),
      t('queue.caption', { count: items.length }),
    );
    container.append(node);
    if (items.length >= 200) container.append(h('p', { class: 'hint' }, t('queue.limited')));
  }
  return page('queue.title', h('p', { class: 'lead' }, t('queue.lead')), container);
}
