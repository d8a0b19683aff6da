// One of my cases: its card, the decisions my status receives, the materials a
// familiarisation grant opens to me, and who looked at what concerns me.

import { api, ApiProblem } from '../../api.js';
import { t, formatDate, language } from '../../i18n.js';
import { h, page, section, table, time, details, link, apiList, badge } from '../../ui.js';
import { myStatuses, statusLabel, stageBadge, date, label, downloadButton } from './common.js';
import { investigationTerm } from '../term.js';

/** An officer as the case card names them: name, role, organ. */
function officerLine(officer) {
  if (!officer) return h('span', { class: 'muted' }, t('case.none_assigned'));
  return [
    officer.full_name, ' — ', t(`role.${officer.role}`), h('br'), h('span', { class: 'muted' }, officer.organ),
    officer.contact ? [h('br'), h('span', { dataset: { contact: 'official' } }, t('case.official_contact', { contact: officer.contact }))] : null,
  ];
}

/** What each of my statuses lets me do, in my language, with the articles it reads. */
function rightsSection(rights) {
  if (!rights || !rights.length) return null;
  const lang = language();
  const node = section(
    t('case.rights.title'),
    ...rights.map((r) =>
      h(
        'div',
        { class: 'rights', dataset: { status: r.procedural_status } },
        h('h3', {}, statusLabel(r.procedural_status), ' ', h('span', { class: 'muted' }, t('case.rights.articles', { articles: (r.articles || []).join(', ') }))),
        h('p', {}, (r.text && (r.text[lang] || r.text.en)) || ''),
      ),
    ),
    h('p', { class: 'hint' }, t('case.rights.hint')),
  );
  node.dataset.section = 'rights';
  return node;
}

function caseBase(erdr) {
  return `/api/cases/${encodeURIComponent(erdr)}`;
}

function tagged(node, name) {
  node.dataset.section = name;
  return node;
}

/**
 * What annulled or corrected a decision, and what a decision annuls or corrects: a decision
 * the person holds never silently stops counting.
 */
function amendmentMarks(d) {
  const marks = [];
  if (d.amends) {
    marks.push(h('span', { class: 'muted', dataset: { amends: String(d.amends.decision_id) } }, t(d.amends.amendment === 'annuls' ? 'case.decision.annuls' : 'case.decision.corrects'), ` (№ ${d.amends.decision_id})`));
  }
  for (const by of d.amended_by || []) {
    const annulled = by.amendment === 'annuls';
    marks.push(badge(t(annulled ? 'case.decision.annulled_by' : 'case.decision.corrected_by', { date: formatDate(by.decided_on) }), annulled ? 'danger' : 'info'));
    marks[marks.length - 1].dataset.amendedBy = by.amendment;
    marks[marks.length - 1].classList.add('wraps');
  }
  return marks.length ? h('div', { class: 'amendments' }, marks.map((mark) => h('div', {}, mark))) : null;
}

async function decisionsSection(erdr, readOnly) {
  const holder = h('div');
  const list = await apiList(`${caseBase(erdr)}/decisions`, 'decisions', {
    draw: (decisions) =>
      table(
        [
          { label: t('case.decision.title'), cell: (d) => [d.title, amendmentMarks(d)] },
          { label: t('case.decision.type'), cell: (d) => label('case.decision.type.', d.type) },
          { label: t('case.decision.decided_on'), cell: (d) => date(d.decided_on) },
          {
            label: t('case.decision.signature'),
            cell: (d) =>
              d.signature
                ? [
                    h('span', { dataset: { signature: 'signed' } }, t('case.decision.signed_by', { name: d.signature.signer_name }), ' ', time(d.signature.signing_time)),
                    h('br'),
                    downloadButton(`${caseBase(erdr)}/decisions/${encodeURIComponent(d.id)}/signature`, `${(d.document && d.document.filename) || d.id}.p7s`, () => holder, { part: 'signature', id: String(d.id) }),
                  ]
                : h('span', { class: 'muted', dataset: { signature: 'none' } }, t('case.decision.unsigned')),
          },
          { label: t('case.decision.opened'), cell: (d) => (d.my_first_downloaded_at ? time(d.my_first_downloaded_at) : h('span', { class: 'muted' }, t('case.decision.not_opened'))) },
          {
            label: t('case.decision.actions'),
            cell: (d) =>
              h(
                'div',
                { class: 'actions' },
                downloadButton(`${caseBase(erdr)}/decisions/${encodeURIComponent(d.id)}/document`, d.document && d.document.filename, () => holder, { id: String(d.id) }),
                readOnly
                  ? null
                  : link(
                      `/file?kind=complaint&erdr_number=${encodeURIComponent(erdr)}&challenged_decision_id=${encodeURIComponent(d.id)}`,
                      t('case.decision.complain'),
                      { class: 'button secondary', dataset: { action: 'complain' } },
                    ),
              ),
          },
        ],
        decisions.map((d) => ({ ...d, dataset: { id: String(d.id) } })),
        t('case.decisions.caption'),
      ),
    emptyKey: 'case.decisions.none',
  });
  holder.append(list.node);
  return tagged(section(t('case.decisions.title'), h('p', { class: 'hint' }, t('case.decisions.lead')), h('p', { class: 'hint', dataset: { note: 'service' } }, t('case.decisions.service_note')), holder), 'decisions');
}

async function materialsSection(erdr) {
  const holder = h('div');
  const list = await apiList(`${caseBase(erdr)}/materials`, 'materials', {
    draw: (materials) =>
      table(
        [
          { label: t('case.material.title'), cell: (m) => m.title },
          { label: t('case.material.kind'), cell: (m) => label('case.material.kind.', m.kind) },
          { label: t('case.material.file'), cell: (m) => (m.document && m.document.filename) || '—' },
          {
            label: t('case.material.actions'),
            cell: (m) => downloadButton(`${caseBase(erdr)}/materials/${encodeURIComponent(m.id)}/content`, m.document && m.document.filename, () => holder, { id: String(m.id) }),
          },
        ],
        materials.map((m) => ({ ...m, dataset: { id: String(m.id) } })),
        t('case.materials.caption'),
      ),
    emptyKey: 'case.materials.none',
  });
  if (!list.failed && !list.items.length) {
    // The API lists nothing unless a live familiarisation grant covers a material.
    holder.append(h('div', { class: 'notice', dataset: { state: 'not-granted' } }, h('p', {}, h('strong', {}, t('case.materials.not_granted'))), h('p', {}, t('case.materials.not_granted_detail'))));
  } else {
    holder.append(list.node);
  }
  return tagged(section(t('case.materials.title'), h('p', { class: 'hint' }, t('case.materials.lead')), holder), 'materials');
}

function who(entry) {
  const actor = entry.who || {};
  if (actor.kind === 'you') return t('case.log.you');
  if (actor.kind === 'officer') {
    const role = label('role.', actor.role);
    return actor.name ? `${actor.name} (${role})` : role;
  }
  return t('case.log.participant');
}

async function accessLogSection(erdr) {
  const holder = h('div');
  const list = await apiList(`${caseBase(erdr)}/access-log`, 'entries', {
    size: 20,
    draw: (entries) =>
      table(
        [
          { label: t('case.log.at'), cell: (e) => time(e.at) },
          { label: t('case.log.who'), cell: who },
          { label: t('case.log.action'), cell: (e) => label('case.log.action.', e.action) },
        ],
        entries.map((e) => ({ ...e, dataset: { event: e.action } })),
        t('case.log.caption'),
      ),
    emptyKey: 'case.log.none',
  });
  holder.append(list.node);
  return tagged(section(t('case.log.title'), h('p', { class: 'hint' }, t('case.log.lead')), holder), 'access-log');
}

export async function render(ctx) {
  const erdr = ctx.params.erdr;
  let card;
  try {
    card = await api(caseBase(erdr));
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 404) {
      return page(
        'case.title',
        h('div', { class: 'notice', role: 'alert', dataset: { state: 'not-found' } }, h('p', {}, h('strong', {}, t('case.not_found'))), h('p', {}, t('case.not_found_detail'))),
        h('div', { class: 'actions' }, link(`/cases/request?erdr=${encodeURIComponent(erdr)}`, t('cases.request_access'), { class: 'button primary' }), link('/cases', t('case.back'), { class: 'button secondary' })),
      );
    }
    throw error;
  }
  const summary = section(
    t('case.card'),
    details([
      [t('cases.erdr'), card.erdr_number],
      [t('cases.stage'), card.stage ? stageBadge(card.stage) : '—'],
      [t('cases.my_status'), myStatuses(card)],
      [t('cases.articles'), (card.articles || []).join('; ') || '—'],
      [t('cases.organ'), (card.organ && card.organ.name) || '—'],
      card.officers ? [t('case.lead_officer'), officerLine(card.officers.lead_officer)] : null,
      card.officers ? [t('case.supervising_prosecutor'), officerLine(card.officers.supervising_prosecutor)] : null,
      [t('cases.registered_on'), date(card.registered_on)],
      card.investigation_term ? [t('term.title'), investigationTerm(card.investigation_term)] : null,
      [t('case.updated_at'), card.updated_at ? time(card.updated_at) : '—'],
    ]),
    card.access === 'ended'
      ? h('div', { class: 'notice', role: 'status', dataset: { state: 'ended' } }, h('p', {}, h('strong', {}, t('case.ended'))), h('p', {}, t('case.ended_detail')))
      : card.read_only
      ? h('div', { class: 'notice', role: 'status', dataset: { state: 'paper' } }, h('p', {}, h('strong', {}, t('case.paper', { date: formatDate(card.paper_since) }))), h('p', {}, t('case.paper_detail')))
      : h(
          'div',
          { class: 'actions' },
          link(`/file?kind=petition&erdr_number=${encodeURIComponent(card.erdr_number)}`, t('case.file_petition'), { class: 'button primary', dataset: { action: 'file-petition' } }),
          link(`/file?kind=complaint&erdr_number=${encodeURIComponent(card.erdr_number)}`, t('case.file_complaint'), { class: 'button secondary', dataset: { action: 'file-complaint' } }),
        ),
  );
  summary.dataset.section = 'card';
  const rights = rightsSection(card.my_rights);
  // The three lists are read one after another: each read is audited, in this order.
  const decisions = await decisionsSection(card.erdr_number, card.read_only);
  const materials = await materialsSection(card.erdr_number);
  const log = await accessLogSection(card.erdr_number);
  const title = page('case.title', h('p', { class: 'toolbar' }, link('/cases', t('case.back'))), summary, rights, decisions, materials, log);
  const heading = title.querySelector('h1');
  heading.append(' ', h('span', { class: 'muted' }, card.erdr_number));
  return title;
}
