// One filing: what was filed, its timeline, the answer with its documents, and withdrawing it
// while it is still open.

import { api } from '../../api.js';
import { t, formatBytes, formatDate, formatDateTime } from '../../i18n.js';
import { h, page, section, details, time, link, actionButton } from '../../ui.js';
import { reload } from '../../app.js';
import { label, filingChangeLines, filingStateBadge, overdueMark, textBlock, downloadButton, receiptButton } from './common.js';

const EXTENSIONS = { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg' };

function documentPath(filing, sha) {
  return `/api/status/filings/${encodeURIComponent(filing.id)}/documents/${encodeURIComponent(sha)}`;
}

function eventDetail(event) {
  return filingChangeLines(event.detail, event.event).map((line) => h('p', { class: 'muted' }, line));
}

function timelineSection(filing) {
  const events = filing.timeline || [];
  const list = h(
    'ol',
    { class: 'timeline' },
    events.map((event) =>
      h('li', { dataset: { event: event.event } }, h('p', {}, h('strong', {}, label('filing.event.', event.event)), ' — ', time(event.at)), eventDetail(event)),
    ),
  );
  const node = section(t('filing.timeline.title'), events.length ? list : h('p', { class: 'empty' }, t('filing.timeline.none')));
  node.dataset.section = 'timeline';
  return node;
}

function answerSection(filing) {
  const answer = filing.answer;
  const docs = (filing.documents || []).filter((d) => d.role === 'answer');
  const holder = h('div');
  const node = section(
    t('filing.answer.title'),
    holder,
    details([
      [t('filing.answer.outcome'), h('strong', {}, label('filing.outcome.', answer.outcome))],
      [t('filing.answer.decided_at'), time(answer.decided_at)],
      answer.erdr_number ? [t('filing.answer.erdr'), answer.erdr_number] : null,
      answer.forwarded_to ? [t('filing.answer.forwarded_to'), answer.forwarded_to] : null,
    ]),
    answer.reasoning ? [h('h3', {}, t('filing.answer.reasoning')), textBlock(answer.reasoning)] : null,
    docs.length
      ? [
          h('h3', {}, t('filing.answer.documents')),
          h(
            'ul',
            { class: 'documents' },
            docs.map((d) =>
              h(
                'li',
                { dataset: { sha256: d.sha256 } },
                d.filename || d.sha256.slice(0, 12),
                ' ',
                downloadButton(documentPath(filing, d.sha256), d.filename, () => holder, { sha256: d.sha256 }),
                // Signed by the answering officer with EDS: who, when, and the signature.
                d.signature
                  ? [
                      h('br'),
                      h('span', { dataset: { signature: 'signed' } }, t('case.decision.signed_by', { name: d.signature.signer_name }), ' ', time(d.signature.signing_time)),
                      ' ',
                      downloadButton(`${documentPath(filing, d.sha256)}/signature`, `${d.filename || d.sha256}.p7s`, () => holder, { part: 'signature' }),
                    ]
                  : null,
              ),
            ),
          ),
        ]
      : null,
  );
  node.dataset.section = 'answer';
  return node;
}

/**
 * Art. 106 CPC: after a refusal, or when no answer came in time, the filer may go to the
 * investigating judge within the window; the countdown says how long is left.
 */
function courtWindowSection(filing) {
  const w = filing.court_window;
  if (!w) return null;
  const node = section(
    t('filing.court.title'),
    h(
      'div',
      { class: 'notice', role: 'status', dataset: { state: w.expired ? 'court-window-ended' : 'court-window-open' } },
      h('p', {}, h('strong', {}, w.expired ? t('filing.court.expired') : t('filing.court.days_left', { days: w.days_left }))),
      h('p', {}, t(`filing.court.opened_by.${w.opened_by}`)),
      h('p', {}, t('filing.court.ends_at'), ' ', time(w.ends_at)),
    ),
    h('p', { class: 'hint' }, t('filing.court.hint')),
  );
  node.dataset.section = 'court-window';
  return node;
}

/**
 * Arts. 106–107 CPC: what the court did with a complaint to the investigating judge, as the
 * officer recorded it from the court's papers, with the judge's period and the appeal's.
 */
function courtRecordSection(filing) {
  const c = filing.court;
  if (!c) return null;
  const appeal = c.appeal;
  const node = section(
    t('filing.court_record.title'),
    details([
      [t('filing.court_record.received_on'), formatDate(c.received_on)],
      [t('filing.court_record.decision_due'), [time(c.decision_due_at), ' ', h('span', { class: 'muted' }, t(c.hearing ? 'filing.court_record.with_hearing' : 'filing.court_record.without_hearing'))]],
      c.decided_on ? [t('filing.court_record.decided_on'), formatDate(c.decided_on)] : null,
      c.outcome ? [t('filing.court_record.outcome'), label('filing.court_record.outcome.', c.outcome)] : null,
    ]),
    appeal
      ? h(
          'div',
          { class: 'notice', role: 'status', dataset: { state: appeal.expired ? 'appeal-ended' : 'appeal-open' } },
          h('p', {}, h('strong', {}, appeal.expired ? t('filing.court_record.appeal_expired') : t('filing.court_record.appeal_until')), ' ', time(appeal.ends_at)),
          h('p', {}, t('filing.court_record.appeal_hint')),
        )
      : null,
  );
  node.dataset.section = 'court-record';
  return node;
}

/** Who signed the filing with EDS and when, with the signature and what it signs to check. */
function signatureCell(filing, holder) {
  const sig = filing.signature;
  if (!sig) return h('span', { class: 'muted', dataset: { signature: 'none' } }, t('filing.signature.none'));
  const base = `/api/status/filings/${encodeURIComponent(filing.id)}`;
  return h(
    'div',
    { dataset: { signature: 'signed' } },
    h('p', {}, t('filing.signature.by', { name: sig.signer_name, iin: sig.signer_iin, time: formatDateTime(sig.signing_time) })),
    h(
      'div',
      { class: 'actions' },
      downloadButton(`${base}/signature`, `${filing.registration_number}.p7s`, () => holder, { part: 'signature' }),
      downloadButton(`${base}/signed-content`, `${filing.registration_number}.json`, () => holder, { part: 'signed-content' }),
    ),
  );
}

function attachmentsList(filing, holder) {
  const docs = (filing.documents || []).filter((d) => d.role === 'attachment');
  if (!docs.length) return t('filing.no_attachments');
  return h(
    'ul',
    { class: 'documents' },
    docs.map((d, i) => {
      const name = d.filename || `${t('filing.attachment_name', { n: i + 1 })}.${EXTENSIONS[d.media_type] || 'bin'}`;
      return h('li', { dataset: { sha256: d.sha256 } }, name, d.size ? h('span', { class: 'muted' }, ` (${formatBytes(d.size)})`) : null, ' ', downloadButton(documentPath(filing, d.sha256), name, () => holder, { sha256: d.sha256 }));
    }),
  );
}

function withdrawBlock(filing) {
  const holder = h('div', { class: 'withdraw' });
  const start = h('button', { type: 'button', class: 'danger', dataset: { action: 'withdraw' } }, t('filing.withdraw'));
  const confirmBox = h(
    'div',
    { class: 'notice', role: 'alertdialog', 'aria-labelledby': 'withdraw-question', hidden: true, dataset: { state: 'confirm-withdraw' } },
    h('p', { id: 'withdraw-question' }, h('strong', {}, t('filing.withdraw_confirm', { number: filing.registration_number }))),
    h('p', {}, t('filing.withdraw_note')),
  );
  const yes = actionButton(
    {
      tone: 'danger',
      action: 'withdraw-confirm',
      problemsIn: holder,
      run: () => api(`/api/filings/${encodeURIComponent(filing.id)}/withdraw`, { method: 'POST' }),
      announced: t('filing.withdrawn'),
      then: reload,
    },
    t('filing.withdraw_yes'),
  );
  const no = h('button', { type: 'button', class: 'secondary', dataset: { action: 'withdraw-cancel' } }, t('action.cancel'));
  confirmBox.append(h('div', { class: 'actions' }, yes, no));
  start.addEventListener('click', () => {
    confirmBox.hidden = false;
    start.hidden = true;
    yes.focus();
  });
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    start.hidden = false;
    start.focus();
  });
  holder.append(start, confirmBox);
  return holder;
}

export async function render(ctx) {
  const filing = await api(`/api/status/filings/${encodeURIComponent(ctx.params.id)}`);
  let organName = null;
  if (filing.organ_id) {
    try {
      const organ = ((await api('/api/filings/organs')).organs || []).find((o) => o.id === filing.organ_id);
      organName = organ ? organ.name : null;
    } catch {
      organName = null;
    }
  }
  const holder = h('div');
  // The server says whether I may (its filer, while it is open).
  const mayWithdraw = Boolean(filing.may_withdraw);
  const receipt = receiptButton(filing, holder);
  const summary = section(
    t('filing.summary'),
    holder,
    details([
      [t('filing.number'), h('strong', {}, filing.registration_number)],
      [t('filing.kind'), label('filing.kind.', filing.kind)],
      [t('filing.state'), filingStateBadge(filing.state)],
      // An affected person's complaint names a case that is not theirs to open.
      filing.erdr_number
        ? [t('filing.case'), filing.affected_person ? filing.erdr_number : link(`/cases/${encodeURIComponent(filing.erdr_number)}`, filing.erdr_number)]
        : null,
      filing.affected_person ? [t('filing.standing'), h('span', { dataset: { standing: 'affected' } }, t('filing.affected_person'))] : null,
      filing.kind === 'crime_report'
        ? [t('filing.organ'), organName || (filing.organ_id ? `#${filing.organ_id}` : '—')]
        : [t('filing.addressee'), label('filing.addressee.', filing.addressee)],
      filing.kind === 'complaint' ? [t('filing.subject'), label('filing.subject.', filing.subject)] : null,
      filing.challenged_decision_id ? [t('filing.challenged_decision'), `#${filing.challenged_decision_id}`] : null,
      [t('filing.filer'), filing.filer_iin],
      filing.on_behalf_of_iin ? [t('filing.on_behalf'), filing.on_behalf_of_iin] : null,
      [t('filing.submitted_at'), time(filing.submitted_at)],
      [t('filing.due_at'), [time(filing.due_at), overdueMark(filing)]],
      [t('filing.attachments'), attachmentsList(filing, holder)],
      [t('filing.signature'), signatureCell(filing, holder)],
    ]),
    h('h3', {}, t('filing.text')),
    textBlock(filing.text),
    h('div', { class: 'actions' }, receipt, mayWithdraw ? withdrawBlock(filing) : null),
  );
  summary.dataset.section = 'summary';
  const answer = filing.answer
    ? answerSection(filing)
    : (() => {
        const node = section(t('filing.answer.title'), h('p', { class: 'empty' }, filing.state === 'withdrawn' ? t('filing.answer.withdrawn') : t('filing.answer.pending')));
        node.dataset.section = 'answer-pending';
        return node;
      })();
  const view = page('filing.title', h('p', { class: 'toolbar' }, link('/filings', t('filing.back'))), summary, courtWindowSection(filing), courtRecordSection(filing), timelineSection(filing), answer);
  view.querySelector('h1').append(' ', h('span', { class: 'muted' }, filing.registration_number));
  document.title = `${t('filing.title')} ${filing.registration_number} — Jaria`;
  return view;
}
