// One filing I receive: what was filed, its documents and timeline, and what I may do with it —
// take it under review, extend a complaint's period (art. 105), and answer it with one of the
// outcomes the API permits me (a registered statement names its ERDR case, a forwarded filing
// names where it went), optionally with the answer's document.

import { api, download } from '../../api.js';
import { t, formatBytes, formatDate, formatDateTime } from '../../i18n.js';
import { h, page, form, field, radios, section, details, time, badge, link, announce, keepDraft, clearDraft, showField, actionButton } from '../../ui.js';
import { reload } from '../../app.js';
import { stateBadge, dueCell, almatyDate, documentOf, onDocumentField, DOCUMENT_ACCEPT } from './filings.js';
import { signingFields, showSigning, signContent, signatureRefusalAtChoice } from './sign.js';

/** Text as typed, line breaks kept (as text nodes and `<br>`, never parsed). */
function multiline(text) {
  const lines = String(text || '').split('\n');
  return h('div', { class: 'filing-text' }, lines.map((line, i) => (i ? [h('br'), line] : line)));
}

function summary(f) {
  return details([
    [t('ofiling.number'), f.registration_number],
    [t('ofiling.kind'), t(`ofiling.kind.${f.kind}`)],
    [t('ofiling.state'), stateBadge(f.state, f.open)],
    [t('ofiling.addressee'), f.addressee ? t(`ofiling.addressee.${f.addressee}`) : '—'],
    f.kind === 'complaint' ? [t('ofiling.subject'), t(`ofiling.subject.${f.subject}`)] : null,
    [t('ofiling.case'), f.erdr_number ? link(`/officer/cases/${f.erdr_number}`, f.erdr_number) : t('ofilings.no_case')],
    [t('ofiling.filer'), [f.filer_full_name || '—', ' ', h('span', { class: 'muted' }, t('queue.iin', { iin: f.filer_iin }))]],
    f.on_behalf_of_iin ? [t('ofiling.on_behalf_of'), f.on_behalf_of_iin] : null,
    // Art. 100: the filer holds no status in the case; they are told only what the answer says.
    f.affected_person ? [t('ofiling.standing'), h('span', { dataset: { standing: 'affected' } }, t('ofiling.affected_person'))] : null,
    f.challenged_decision_id ? [t('ofiling.challenged_decision'), t('ofiling.decision_no', { id: f.challenged_decision_id })] : null,
    [t('ofiling.submitted'), time(f.submitted_at)],
    [t('ofiling.due'), dueCell(f)],
    f.extension_limit_at ? [t('ofiling.extension_limit'), time(f.extension_limit_at)] : null,
    [t('ofiling.signature'), signature(f)],
  ]);
}

/** Whether the filer signed it with EDS, by whom and when; the CMS and what it signs to check. */
function signature(f) {
  const sig = f.signature;
  if (!sig) return h('span', { class: 'muted', dataset: { signature: 'none' } }, t('ofiling.signature.none'));
  const base = `/api/officer/filings/${encodeURIComponent(f.id)}`;
  const holder = h('span');
  const fetchPart = (part, name) =>
    actionButton(
      { action: 'download', dataset: { part }, problemsIn: holder, run: () => download(`${base}/${part}`, name) },
      t(`ofiling.signature.${part}`),
    );
  return h(
    'div',
    { dataset: { signature: 'signed' } },
    h('p', {}, t('ofiling.signature.by', { name: sig.signer_name, iin: sig.signer_iin }), ' ', time(sig.signing_time)),
    h('div', { class: 'actions' }, fetchPart('signature', `${f.registration_number}.p7s`), fetchPart('signed-content', `${f.registration_number}.json`)),
    holder,
  );
}

function documentsSection(f) {
  const container = h('div');
  if (!f.documents.length) {
    container.append(h('p', { class: 'empty' }, t('ofiling.no_documents')));
  } else {
    container.append(
      h(
        'ul',
        { class: 'documents' },
        f.documents.map((doc) => {
          const name = doc.filename || `${doc.sha256.slice(0, 12)}`;
          return h(
            'li',
            { dataset: { sha256: doc.sha256, role: doc.role } },
            h('strong', {}, t(`ofiling.document.${doc.role}`)),
            ': ',
            name,
            doc.size !== undefined ? [' ', h('span', { class: 'muted' }, `(${formatBytes(doc.size)}${doc.media_type ? `, ${doc.media_type}` : ''})`)] : null,
            ' ',
            actionButton(
              {
                tone: 'link-button',
                action: 'download',
                dataset: { sha256: doc.sha256 },
                attributes: { 'aria-label': t('ofiling.download_named', { name }) },
                problemsIn: container,
                run: () => download(`/api/officer/filings/${encodeURIComponent(f.id)}/documents/${encodeURIComponent(doc.sha256)}`, name),
              },
              t('action.download'),
            ),
          );
        }),
      ),
    );
  }
  const node = section(t('ofiling.documents'), container);
  node.dataset.section = 'documents';
  return node;
}

function eventDetail(detail, event) {
  if (!detail || typeof detail !== 'object') return null;
  const parts = [];
  // The judge's order has the court's outcomes, not an officer's answer's.
  const outcomes = event === 'court_decided' ? 'ofiling.court.outcome.' : 'ofiling.outcome.';
  if (detail.outcome) parts.push(h('div', {}, t('ofiling.outcome'), ': ', t(`${outcomes}${detail.outcome}`)));
  if (detail.erdr_number) parts.push(h('div', {}, t('ofiling.answer.erdr_number'), ': ', detail.erdr_number));
  if (detail.forwarded_to) parts.push(h('div', {}, t('ofiling.answer.forwarded_to'), ': ', detail.forwarded_to));
  if (detail.due_at) parts.push(h('div', {}, t('ofiling.extension.new_due'), ': ', time(detail.due_at)));
  if (detail.reason) parts.push(h('div', {}, t('ofiling.extension.reason'), ': ', detail.reason));
  return parts.length ? parts : null;
}

function timelineSection(f) {
  const node = section(
    t('ofiling.timeline'),
    h(
      'ol',
      { class: 'timeline' },
      f.timeline.map((event) => h('li', { dataset: { event: event.event } }, h('strong', {}, t(`ofiling.event.${event.event}`)), ' ', time(event.at), eventDetail(event.detail, event.event))),
    ),
  );
  node.dataset.section = 'timeline';
  return node;
}

function answerSection(f) {
  const a = f.answer;
  const answerDoc = f.documents.find((doc) => doc.role === 'answer');
  const node = section(
    t('ofiling.answer'),
    details([
      [t('ofiling.outcome'), badge(t(`ofiling.outcome.${a.outcome}`), 'ok')],
      [t('ofiling.answer.decided_at'), time(a.decided_at)],
      a.erdr_number ? [t('ofiling.answer.erdr_number'), link(`/officer/cases/${a.erdr_number}`, a.erdr_number)] : null,
      a.forwarded_to ? [t('ofiling.answer.forwarded_to'), a.forwarded_to] : null,
      [t('ofiling.answer.reasoning'), multiline(a.reasoning)],
      answerDoc ? [t('ofiling.answer.document'), answerDoc.filename || answerDoc.sha256.slice(0, 12)] : null,
    ]),
  );
  node.dataset.section = 'answer';
  return node;
}

function reviewAction(f) {
  const container = h('div', { class: 'actions' });
  container.append(
    actionButton(
      {
        action: 'review',
        problemsIn: () => container.parentNode || container,
        run: () => api(`/api/officer/filings/${encodeURIComponent(f.id)}/review`, { method: 'POST' }),
        announced: t('ofiling.review.done'),
        then: reload,
      },
      t('ofiling.review'),
    ),
  );
  return h('div', {}, h('p', { class: 'hint' }, t('ofiling.review.lead')), container);
}

function extensionForm(f) {
  const draftKey = `extension-${f.id}`;
  const node = form({
    name: 'extension',
    submitLabel: t('ofiling.extension.submit'),
    fields: [
      field({
        name: 'due_at',
        type: 'date',
        label: t('ofiling.extension.new_due'),
        hint: t('ofiling.extension.new_due_hint', { limit: formatDateTime(f.extension_limit_at) }),
        // The last day whose 24:00 is within the limit (a limit at 00:00 is the previous day's end).
        value: almatyDate(new Date(Date.parse(f.extension_limit_at) - 1000).toISOString()),
        required: true,
      }),
      field({ name: 'reason', type: 'textarea', rows: 3, maxlength: 2000, label: t('ofiling.extension.reason'), hint: t('ofiling.extension.reason_hint'), required: true }),
    ],
    async onSubmit(values) {
      const result = await api(`/api/officer/filings/${encodeURIComponent(f.id)}/extension`, { method: 'POST', json: { reason: values.reason, due_at: values.due_at } });
      clearDraft(draftKey);
      announce(t('ofiling.extension.done', { due: formatDateTime(result.due_at) }));
      reload();
    },
  });
  keepDraft(node, draftKey);
  return node;
}

/** The court's record on a complaint forwarded to the investigating judge (arts. 106–107). */
function courtSection(f) {
  const c = f.court;
  if (!c && !f.court_next_step) return null;
  const rows = c
    ? [
        [t('ofiling.court.received_on'), formatDate(c.received_on)],
        [t('ofiling.court.hearing'), t(c.hearing ? 'ofiling.court.hearing_yes' : 'ofiling.court.hearing_no')],
        [t('ofiling.court.decision_due'), time(c.decision_due_at)],
        c.decided_on ? [t('ofiling.court.decided_on'), formatDate(c.decided_on)] : null,
        c.outcome ? [t('ofiling.court.outcome'), t(`ofiling.court.outcome.${c.outcome}`)] : null,
        c.appeal ? [t('ofiling.court.appeal_ends'), time(c.appeal.ends_at)] : null,
      ]
    : [];
  const node = section(t('ofiling.court.title'), rows.length ? details(rows) : h('p', { class: 'hint' }, t('ofiling.court.lead')), f.court_next_step ? courtForm(f, f.court_next_step) : null);
  node.dataset.section = 'court';
  return node;
}

/** Records the court's next act from its papers: its receipt, then the judge's order. */
function courtForm(f, step) {
  const today = almatyDate(new Date().toISOString());
  const fields =
    step === 'received'
      ? [
          field({ name: 'on', type: 'date', label: t('ofiling.court.received_on'), hint: t('ofiling.court.received_on_hint'), value: today, required: true }),
          field({ name: 'hearing', type: 'checkbox', label: t('ofiling.court.hearing_yes'), hint: t('ofiling.court.hearing_hint') }),
        ]
      : [
          field({ name: 'on', type: 'date', label: t('ofiling.court.decided_on'), value: today, required: true }),
          radios({
            name: 'outcome',
            label: t('ofiling.court.outcome'),
            required: true,
            options: ['granted', 'partially_granted', 'rejected', 'returned'].map((o) => ({ value: o, label: t(`ofiling.court.outcome.${o}`) })),
          }),
        ];
  return form({
    name: `court-${step}`,
    submitLabel: t(`ofiling.court.record_${step}`),
    fields,
    async onSubmit(values) {
      const json = step === 'received' ? { step, on: values.on, hearing: Boolean(values.hearing) } : { step, on: values.on, outcome: values.outcome };
      await api(`/api/officer/filings/${encodeURIComponent(f.id)}/court`, { method: 'POST', json });
      announce(t('ofiling.court.recorded'));
      reload();
    },
  });
}

/**
 * A statement about an offence is forwarded by jurisdiction to another organ's queue (chosen
 * from the list); a petition or complaint is forwarded to a named official.
 */
function answerForm(f, organs) {
  const draftKey = `answer-${f.id}`;
  const outcomes = f.permitted_outcomes;
  const toOrgan = f.kind === 'crime_report';
  const node = form({
    name: 'answer',
    submitLabel: t('ofiling.answer.submit'),
    fields: [
      radios({
        name: 'outcome',
        label: t('ofiling.outcome'),
        required: true,
        value: outcomes.length === 1 ? outcomes[0] : undefined,
        options: outcomes.map((outcome) => ({ value: outcome, label: t(`ofiling.outcome.${outcome}`) })),
      }),
      field({ name: 'erdr_number', label: t('ofiling.answer.erdr_number'), hint: t('ofiling.answer.erdr_number_hint'), inputmode: 'numeric', pattern: '[0-9]{15}', maxlength: 15, required: true, autocomplete: 'off' }),
      field({ name: 'applicant_is_victim', type: 'checkbox', label: t('ofiling.answer.applicant_is_victim') }),
      toOrgan
        ? field({
            name: 'forwarded_to_organ_id',
            type: 'select',
            label: t('ofiling.answer.forwarded_to_organ'),
            hint: t('ofiling.answer.forwarded_to_organ_hint'),
            required: true,
            options: [{ value: '', label: t('ocase.decision.choose') }, ...organs.filter((o) => o.id !== f.organ_id).map((o) => ({ value: String(o.id), label: o.name }))],
          })
        : field({ name: 'forwarded_to', label: t('ofiling.answer.forwarded_to'), hint: t('ofiling.answer.forwarded_to_hint'), maxlength: 300, required: true }),
      field({ name: 'reasoning', type: 'textarea', rows: 8, maxlength: 20000, label: t('ofiling.answer.reasoning'), hint: t('ofiling.answer.reasoning_hint'), required: true }),
      field({ name: 'document', type: 'file', label: t('ofiling.answer.document_field'), hint: t('ocase.document_hint'), accept: DOCUMENT_ACCEPT }),
      ...signingFields(),
    ],
    async onSubmit(values) {
      const body = { outcome: values.outcome, reasoning: values.reasoning };
      if (values.outcome === 'registered') {
        body.erdr_number = values.erdr_number;
        if (toOrgan && values.applicant_is_victim) body.applicant_is_victim = true;
      }
      if (values.outcome === 'forwarded') {
        if (toOrgan) body.forwarded_to_organ_id = Number(values.forwarded_to_organ_id);
        else body.forwarded_to = values.forwarded_to;
      }
      let result;
      try {
        const document = await documentOf(values.document, 'document');
        if (document) {
          // The answer's document signed by the officer, over its bytes.
          const signature = await signContent(new Uint8Array(await values.document[0].arrayBuffer()), values);
          if (signature) document.signature = signature;
          body.document = document;
        }
        result = await api(`/api/officer/filings/${encodeURIComponent(f.id)}/decision`, { method: 'POST', json: body });
      } catch (error) {
        throw onDocumentField(signatureRefusalAtChoice(error, 'document.signature'), 'document', 'document.');
      }
      clearDraft(draftKey);
      announce(t('ofiling.answer.done', { outcome: t(`ofiling.outcome.${result.outcome}`) }));
      reload();
    },
  });
  const registerHint = h('p', { class: 'hint' }, t('ofiling.answer.register_first'), ' ', link('/officer/cases/new', t('ocases.new_link')));
  node.querySelector('[data-field="erdr_number"]').append(registerHint);
  keepDraft(node, draftKey);
  const update = () => {
    const checked = node.querySelector('input[name="outcome"]:checked');
    const outcome = checked ? checked.value : '';
    showField(node.querySelector('[data-field="erdr_number"]'), outcome === 'registered');
    showField(node.querySelector('[data-field="applicant_is_victim"]'), toOrgan && outcome === 'registered');
    showField(node.querySelector(toOrgan ? '[data-field="forwarded_to_organ_id"]' : '[data-field="forwarded_to"]'), outcome === 'forwarded');
  };
  node.addEventListener('change', update);
  update();
  showSigning(node);
  return node;
}

export async function render({ params }) {
  const f = await api(`/api/officer/filings/${encodeURIComponent(params.id)}`);
  const open = f.permitted_outcomes.length > 0;
  const blocks = [
    section(t('ofiling.card'), summary(f)),
    section(t('ofiling.text'), multiline(f.text)),
    documentsSection(f),
    timelineSection(f),
  ];
  blocks[0].dataset.section = 'filing';
  blocks[1].dataset.section = 'text';
  if (f.answer) blocks.push(answerSection(f));
  const court = courtSection(f);
  if (court) blocks.push(court);
  if (open) {
    const actions = [];
    if (f.challenged_official_is_me) actions.push(h('p', { class: 'notice', dataset: { notice: 'own-act' } }, t('ofiling.own_act')));
    if (f.state === 'submitted') actions.push(reviewAction(f));
    const mayExtend = f.extension_limit_at && new Date(f.extension_limit_at) > new Date(f.due_at);
    if (mayExtend) actions.push(h('h3', {}, t('ofiling.extension')), h('p', { class: 'hint' }, t('ofiling.extension.lead')), extensionForm(f));
    const organs = f.kind === 'crime_report' ? (await api('/api/filings/organs')).organs || [] : [];
    actions.push(h('h3', {}, t('ofiling.answer.title')), answerForm(f, organs));
    const node = section(t('ofiling.actions'), ...actions);
    node.dataset.section = 'actions';
    blocks.push(node);
  } else if (!f.answer) {
    blocks.push(h('p', { class: 'notice' }, t('ofiling.closed', { state: t(`ofiling.state.${f.state}`) })));
  }
  const title = page('ofiling.title', h('p', { class: 'lead' }, t('ofiling.lead', { number: f.registration_number })));
  title.append(...blocks, h('p', {}, link('/officer/filings', t('ofiling.back'))));
  return title;
}
