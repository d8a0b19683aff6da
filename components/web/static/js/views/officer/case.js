// One case I act on: its card and stage, its participants (recording one on the basis of a
// procedural decision, ending a status, familiarisation grant and revocation), and forms to add
// a procedural decision and a material, each with its document (sent as base64 inside the JSON
// body); for each decision, who it reached and when they first opened it (proof of service).

import { api, ApiProblem } from '../../api.js';
import { t, formatDate } from '../../i18n.js';
import { h, page, form, field, radios, section, table, details, time, badge, link, empty, announce, busy, showProblem, keepDraft, clearDraft, showField, disclosureButton, actionButton } from '../../ui.js';
import { reload } from '../../app.js';
import { investigationTerm } from '../term.js';
import { almatyToday, documentOf, onDocumentField, DOCUMENT_ACCEPT } from './filings.js';
import { signingFields, showSigning, signContent, signatureRefusalAtChoice } from './sign.js';

export const STAGES = ['registered', 'under_investigation', 'suspended', 'terminated', 'sent_to_court', 'joined'];
/** Statuses an officer records (the applicant status comes only from a registered statement). */
const RECORDABLE_STATUSES = [
  'suspect',
  'accused',
  'witness_with_defence',
  'victim',
  'private_prosecutor',
  'civil_plaintiff',
  'civil_defendant',
  'defender',
  'legal_representative',
  'representative',
];
/** Those who act for someone else: the record names whom. */
const ACTING_FOR_ANOTHER = ['defender', 'legal_representative', 'representative'];

const PARTICIPANT_TONES = { requested: 'warn', confirmed: 'ok', rejected: 'danger', revoked: null };

/** The end (23:59:59) of a date in Almaty, as an RFC 3339 time with Almaty's offset. */
function almatyEndOfDay(date) {
  const probe = new Date(`${date}T12:00:00Z`);
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Almaty', timeZoneName: 'longOffset' }).formatToParts(probe);
  const name = (parts.find((part) => part.type === 'timeZoneName') || {}).value || 'GMT';
  const offset = name.replace('GMT', '') || '+00:00';
  return `${date}T23:59:59${offset}`;
}

function caseDetails(c) {
  return details([
    [t('ocase.erdr'), c.erdr_number],
    [t('ocase.registered_on'), formatDate(c.registered_on)],
    [t('ocase.organ'), c.organ ? c.organ.name : '—'],
    [t('ocase.articles'), (c.articles || []).join('; ')],
    [t('ocase.stage'), badge(t(`ocase.stage.${c.stage}`), 'info')],
    [t('term.title'), investigationTerm(c.investigation_term)],
    [t('ocase.lead_officer'), c.lead_officer_iin],
    [t('ocase.prosecutor'), c.prosecutor_iin || '—'],
    [t('ocase.my_relation'), t(`ocase.relation.${c.my_relation}`)],
    [t('ocase.updated'), time(c.updated_at)],
  ]);
}

/** After the art. 42-1 switch the case goes on paper: the portal keeps it read-only. */
function paperNotice(c) {
  if (!c.paper_since) return null;
  return h('div', { class: 'notice', role: 'status', dataset: { state: 'paper' } }, h('p', {}, h('strong', {}, t('ocase.paper', { date: formatDate(c.paper_since) }))), h('p', {}, t('ocase.paper_detail')));
}

function stageForm(c, base) {
  return form({
    name: 'stage',
    submitLabel: t('ocase.stage_submit'),
    fields: [
      field({
        name: 'stage',
        type: 'select',
        label: t('ocase.stage_new'),
        value: c.stage,
        options: STAGES.map((stage) => ({ value: stage, label: t(`ocase.stage.${stage}`) })),
      }),
    ],
    async onSubmit(values) {
      await api(base, { method: 'PATCH', json: { stage: values.stage } });
      announce(t('ocase.stage_saved', { stage: t(`ocase.stage.${values.stage}`) }));
      reload();
    },
  });
}

/** The grant form of one participant (scope: all materials or listed ones; until a date). */
function familiarisationForm(p, base, formId) {
  const node = form({
    name: 'familiarisation',
    submitLabel: t('ocase.fam.submit'),
    fields: [
      radios({
        name: 'scope',
        label: t('ocase.fam.scope'),
        value: 'all',
        required: true,
        options: [
          { value: 'all', label: t('ocase.fam.scope_all') },
          { value: 'list', label: t('ocase.fam.scope_list') },
        ],
      }),
      field({ name: 'material_ids', label: t('ocase.fam.material_ids'), hint: t('ocase.fam.material_ids_hint'), pattern: '\\s*[0-9]+(\\s*[,; ]\\s*[0-9]+)*\\s*', required: true, autocomplete: 'off' }),
      field({ name: 'until', type: 'date', label: t('ocase.fam.until'), hint: t('ocase.fam.until_hint') }),
    ],
    async onSubmit(values) {
      const body = { scope: 'all' };
      if (values.scope === 'list') {
        body.scope = values.material_ids.split(/[\s,;]+/).filter(Boolean).map(Number);
      }
      if (values.until) body.until = almatyEndOfDay(values.until);
      try {
        await api(`${base}/participants/${encodeURIComponent(p.id)}/familiarisation`, { method: 'PUT', json: body });
      } catch (error) {
        if (error instanceof ApiProblem) {
          for (const item of error.errors) if (item.field === 'scope' && values.scope === 'list') item.field = 'material_ids';
        }
        throw error;
      }
      announce(t('ocase.fam.granted', { name: p.full_name || p.iin }));
      reload();
    },
  });
  node.id = formId;
  node.hidden = true;
  const update = () => {
    const checked = node.querySelector('input[name="scope"]:checked');
    showField(node.querySelector('[data-field="material_ids"]'), Boolean(checked && checked.value === 'list'));
  };
  node.addEventListener('change', update);
  update();
  return node;
}

function participantActions(p, base, container) {
  // A status that ended in the ordinary way may still turn out to have been recorded in error.
  if (p.state === 'revoked' && !p.entered_in_error && p.ended_on) {
    const errorForm = enteredInErrorForm(p, base, `in-error-${p.id}`);
    const open = disclosureButton({ label: t('ocase.error.open'), tone: 'danger', action: 'mark-in-error', panel: errorForm, focus: 'input' });
    return [h('div', { class: 'actions' }, open), errorForm];
  }
  if (p.state !== 'confirmed') return h('span', { class: 'muted' }, '—');
  const formId = `fam-form-${p.id}`;
  const grantForm = familiarisationForm(p, base, formId);
  const grant = disclosureButton({ label: t('ocase.fam.grant'), tone: 'primary', action: 'grant', panel: grantForm, focus: 'input' });
  const revoke = actionButton(
    {
      action: 'revoke',
      run: () => api(`${base}/participants/${encodeURIComponent(p.id)}/familiarisation`, { method: 'DELETE' }),
      announced: t('ocase.fam.revoked', { name: p.full_name || p.iin }),
      then: reload,
      onProblem(error) {
        showProblem(container, error);
        // Already ended (404): the summary says there is none.
        if (error instanceof ApiProblem && error.status === 404) {
          const summary = container.querySelector(':scope > .form-summary');
          if (summary) summary.replaceChildren(h('p', {}, t('ocase.fam.none')));
        }
      },
    },
    t('ocase.fam.revoke'),
  );
  const confirmId = `revoke-status-${p.id}`;
  const confirmBox = h(
    'div',
    { id: confirmId, class: 'notice', hidden: true },
    h('p', {}, t('ocase.revoke_status_warning', { name: p.full_name || p.iin })),
    h(
      'div',
      { class: 'actions' },
      actionButton(
        {
          tone: 'danger',
          action: 'revoke-status-confirm',
          problemsIn: container,
          run: () => api(`${base}/participants/${encodeURIComponent(p.id)}`, { method: 'DELETE' }),
          announced: t('ocase.status_revoked', { name: p.full_name || p.iin }),
          then: reload,
        },
        t('ocase.revoke_status_confirm'),
      ),
    ),
  );
  const revokeStatus = disclosureButton({ label: t('ocase.revoke_status'), tone: 'danger', action: 'revoke-status', panel: confirmBox });
  const endForm = endStatusForm(p, base, `end-status-${p.id}`);
  const endStatus = disclosureButton({ label: t('ocase.end.open'), tone: 'secondary', action: 'end-status', panel: endForm, focus: 'input' });
  return [h('div', { class: 'actions' }, grant, revoke, endStatus, revokeStatus), grantForm, endForm, confirmBox];
}

/** Marking a status that ended as recorded in error: its ending stays, what it left goes. */
function enteredInErrorForm(p, base, formId) {
  const node = form({
    name: 'entered-in-error',
    submitLabel: t('ocase.error.submit'),
    fields: [
      h('p', { class: 'hint' }, t('ocase.error.lead')),
      field({ name: 'reason', label: t('ocase.error.reason'), maxlength: 500, required: true }),
    ],
    async onSubmit(values) {
      await api(`${base}/participants/${encodeURIComponent(p.id)}/end`, { method: 'POST', json: { ended_on: p.ended_on, reason: values.reason, entered_in_error: true } });
      announce(t('ocase.error.done', { name: p.full_name || p.iin }));
      reload();
    },
  });
  node.id = formId;
  node.hidden = true;
  return node;
}

/** Ending a status (recognition revoked, defender withdrawn…) as of a date, with its reason. */
function endStatusForm(p, base, formId) {
  const node = form({
    name: 'end-status',
    submitLabel: t('ocase.end.submit'),
    fields: [
      field({ name: 'ended_on', type: 'date', label: t('ocase.end.ended_on'), value: almatyToday(), max: almatyToday(), required: true }),
      field({ name: 'reason', label: t('ocase.end.reason'), hint: t('ocase.end.reason_hint'), maxlength: 500, required: true }),
      field({ name: 'entered_in_error', type: 'checkbox', label: t('ocase.end.entered_in_error'), hint: t('ocase.end.entered_in_error_hint') }),
    ],
    async onSubmit(values) {
      await api(`${base}/participants/${encodeURIComponent(p.id)}/end`, { method: 'POST', json: { ended_on: values.ended_on, reason: values.reason, entered_in_error: Boolean(values.entered_in_error) } });
      announce(t('ocase.end.done', { name: p.full_name || p.iin }));
      reload();
    },
  });
  node.id = formId;
  node.hidden = true;
  return node;
}

/** Who a participant is: a person (IIN), a legal entity (BIN), a foreigner without an IIN. */
const PARTIES = ['person', 'legal_entity', 'foreigner'];

/** Recording a participant on the basis of the officer's procedural decision (or warrant). */
function recordForm(c, base) {
  const draftKey = `participant-${c.erdr_number}`;
  const node = form({
    name: 'record-participant',
    submitLabel: t('ocase.record.submit'),
    fields: [
      field({
        name: 'party',
        type: 'select',
        label: t('ocase.record.party'),
        hint: t('ocase.record.party_hint'),
        options: PARTIES.map((party) => ({ value: party, label: t(`ocase.party.${party}`) })),
      }),
      field({ name: 'iin', label: t('ocase.record.iin'), inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: 12, required: true, autocomplete: 'off' }),
      field({ name: 'bin', label: t('ocase.record.bin'), inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: 12, required: true, autocomplete: 'off' }),
      field({ name: 'document.country', label: t('ocase.record.document_country'), hint: t('ocase.record.document_country_hint'), pattern: '[A-Za-z]{2}', maxlength: 2, required: true, autocomplete: 'off' }),
      field({ name: 'document.number', label: t('ocase.record.document_number'), maxlength: 30, required: true, autocomplete: 'off' }),
      field({ name: 'full_name', label: t('ocase.record.full_name'), maxlength: 200, required: true, autocomplete: 'off' }),
      field({
        name: 'procedural_status',
        type: 'select',
        label: t('ocase.record.status'),
        required: true,
        options: [{ value: '', label: t('ocase.decision.choose') }, ...RECORDABLE_STATUSES.map((status) => ({ value: status, label: t(`ocase.status.${status}`) }))],
      }),
      field({ name: 'represented_iin', label: t('ocase.record.represented_iin'), hint: t('ocase.record.represented_iin_hint'), maxlength: 50, required: true, autocomplete: 'off' }),
      field({ name: 'basis.document', label: t('ocase.record.basis_document'), hint: t('ocase.record.basis_document_hint'), maxlength: 300, required: true }),
      field({ name: 'basis.number', label: t('ocase.record.basis_number'), hint: t('ocase.record.basis_number_hint'), maxlength: 100 }),
      field({ name: 'basis.date', type: 'date', label: t('ocase.record.basis_date'), value: almatyToday(), max: almatyToday(), required: true }),
    ],
    async onSubmit(values) {
      const party = values.party || 'person';
      const body = {
        party,
        ...(party === 'person' ? { iin: values.iin } : {}),
        ...(party === 'legal_entity' ? { bin: values.bin } : {}),
        ...(party === 'foreigner' ? { document: { country: values['document.country'], number: values['document.number'] } } : {}),
        full_name: values.full_name,
        procedural_status: values.procedural_status,
        basis: { document: values['basis.document'], date: values['basis.date'] },
      };
      if (values['basis.number']) body.basis.number = values['basis.number'];
      if (ACTING_FOR_ANOTHER.includes(values.procedural_status)) body.represented_iin = values.represented_iin;
      const created = await api(`${base}/participants`, { method: 'POST', json: body });
      clearDraft(draftKey);
      announce(t(created.confirmed_request ? 'ocase.record.confirmed_request' : 'ocase.record.done', { name: values.full_name }));
      reload();
    },
  });
  keepDraft(node, draftKey);
  const select = node.querySelector('select[name="procedural_status"]');
  const partySelect = node.querySelector('select[name="party"]');
  const update = () => {
    const party = partySelect.value || 'person';
    showField(node.querySelector('[data-field="iin"]'), party === 'person');
    showField(node.querySelector('[data-field="bin"]'), party === 'legal_entity');
    for (const name of ['document.country', 'document.number']) showField(node.querySelector(`[data-field="${name}"]`), party === 'foreigner');
    showField(node.querySelector('[data-field="represented_iin"]'), ACTING_FOR_ANOTHER.includes(select.value));
  };
  select.addEventListener('change', update);
  partySelect.addEventListener('change', update);
  update();
  return node;
}

function participantsSection(c, base) {
  const container = h('div');
  if (!c.participants.length) {
    container.append(empty('ocase.participants_empty'));
  } else {
    container.append(
      table(
        [
          {
            label: t('ocase.col.person'),
            cell: (p) => [p.full_name || t('queue.unknown_person'), h('br'), h('span', { class: 'muted' }, p.party && p.party !== 'person' ? `${t(`ocase.party.${p.party}`)}: ${p.iin}` : t('queue.iin', { iin: p.iin }))],
          },
          {
            label: t('ocase.col.status'),
            cell: (p) => [t(`ocase.status.${p.procedural_status}`), p.represented_iin ? [h('br'), t('queue.represents', { iin: p.represented_iin })] : null],
          },
          {
            label: t('ocase.col.state'),
            cell: (p) => [
              p.entered_in_error
                ? badge(t('ocase.pstate.in_error'), 'danger')
                : badge(t(p.ended_on ? 'ocase.pstate.ended' : `ocase.pstate.${p.state}`), p.ended_on ? null : PARTICIPANT_TONES[p.state]),
              p.basis ? [h('br'), h('span', { class: 'muted' }, t('queue.basis')), ' ', p.basis, p.basis_date ? ` (${formatDate(p.basis_date)})` : ''] : null,
              p.ended_on ? [h('br'), h('span', { class: 'muted' }, t('ocase.ended_on', { date: formatDate(p.ended_on) }))] : null,
              p.reason ? [h('br'), h('span', { class: 'muted' }, t('ocase.reason')), ' ', p.reason] : null,
            ],
          },
          { label: t('ocase.col.access'), cell: (p) => grantText(c.grants.find((g) => g.participant_id === p.id)) },
          { label: t('ocase.col.familiarisation'), cell: (p) => participantActions(p, base, container) },
        ],
        c.participants.map((p) => ({ ...p, dataset: { id: String(p.id), state: p.state, status: p.procedural_status, inError: String(Boolean(p.entered_in_error)) } })),
        t('ocase.participants_caption'),
      ),
    );
  }
  const recording = c.paper_since || c.my_relation === 'supervising_prosecutor' ? null : [h('h3', {}, t('ocase.record.title')), h('p', { class: 'hint' }, t('ocase.record.lead')), recordForm(c, base)];
  const node = section(t('ocase.participants'), h('p', { class: 'hint' }, t('ocase.fam.lead')), container, recording);
  node.dataset.section = 'participants';
  return node;
}

/** What a participant may read now, in words. */
function grantText(grant) {
  if (!grant) return h('span', { class: 'muted', dataset: { grant: 'none' } }, t('ocase.grant.none'));
  const what = grant.scope === 'all' ? t('ocase.grant.all') : t('ocase.grant.list', { ids: grant.material_ids.join(', ') });
  return h('span', { dataset: { grant: grant.scope } }, what, grant.until ? [h('br'), t('ocase.grant.until', { date: formatDate(grant.until) })] : null);
}

/**
 * Posts `body` with the chosen file as its `document` (the page re-renders afterwards, so the
 * form needs no reset); a refused document is shown at its field.
 */
async function postWithDocument(path, body, files) {
  try {
    return await api(path, { method: 'POST', json: { ...body, ...(await documentOf(files, 'document')) } });
  } catch (error) {
    throw onDocumentField(error, 'document');
  }
}

/** The decisions or materials already in the case, newest first. */
function existingList(items, columns, emptyKey, captionKey) {
  if (!items.length) return empty(emptyKey);
  return table(columns, items.map((item) => ({ ...item, dataset: { id: String(item.id) } })), t(captionKey));
}

/**
 * The decisions an amendment may name: not an amendment itself, not annulled, not the order
 * to go on paper. Whether this officer may annul or correct one is the server's to say.
 */
function amendable(decisions) {
  return (decisions || []).filter((d) => !d.amends && d.type !== 'switch_to_paper' && !(d.amended_by || []).some((by) => by.amendment === 'annuls'));
}

/** What a decision annuls or corrects, and what annulled or corrected it. */
function amendmentNote(d) {
  const lines = [];
  if (d.amends) lines.push(t(d.amends.amendment === 'annuls' ? 'ocase.decision.note_annuls' : 'ocase.decision.note_corrects', { id: d.amends.decision_id }));
  for (const by of d.amended_by || []) {
    lines.push(t(by.amendment === 'annuls' ? 'ocase.decision.note_annulled_by' : 'ocase.decision.note_corrected_by', { id: by.decision_id }));
  }
  return lines.map((line) => [h('br'), h('span', { class: 'muted', dataset: { amendment: 'note' } }, line)]);
}

function decisionSection(c, base) {
  const draftKey = `decision-${c.erdr_number}`;
  const node = form({
    name: 'decision',
    submitLabel: t('ocase.decision.submit'),
    fields: [
      field({
        name: 'amends',
        type: 'select',
        label: t('ocase.decision.amends'),
        hint: t('ocase.decision.amends_hint'),
        options: [{ value: '', label: t('ocase.decision.amends_none') }, ...amendable(c.decisions).flatMap((d) => [
          { value: `annuls:${d.id}`, label: t('ocase.decision.amends_annuls', { id: d.id, title: d.title }) },
          { value: `corrects:${d.id}`, label: t('ocase.decision.amends_corrects', { id: d.id, title: d.title }) },
        ])],
      }),
      field({
        name: 'type',
        type: 'select',
        label: t('ocase.decision.type'),
        required: true,
        options: [{ value: '', label: t('ocase.decision.choose') }, ...c.decision_types.map(({ type }) => ({ value: type, label: t(`ocase.dtype.${type}`) }))],
      }),
      field({ name: 'concerns_iin', label: t('ocase.decision.concerns_iin'), hint: t('ocase.decision.concerns_iin_hint'), inputmode: 'numeric', pattern: '[0-9]{12}', maxlength: 12, required: true, autocomplete: 'off' }),
      field({ name: 'decided_on', type: 'date', label: t('ocase.decision.decided_on'), value: almatyToday(), required: true }),
      field({ name: 'extended_until', type: 'date', label: t('ocase.decision.extended_until'), hint: t('ocase.decision.extended_until_hint'), required: true }),
      field({ name: 'title', label: t('ocase.decision.title'), maxlength: 300, required: true }),
      field({ name: 'document', type: 'file', label: t('ocase.document'), hint: t('ocase.document_hint'), accept: DOCUMENT_ACCEPT, required: true }),
      ...signingFields(),
    ],
    async onSubmit(values) {
      const body = { decided_on: values.decided_on, title: values.title };
      // An amendment is of the amended decision's type and person: the server takes them.
      if (values.amends) {
        const [amendment, id] = values.amends.split(':');
        Object.assign(body, { amendment, amends_decision_id: Number(id) });
      } else {
        body.type = values.type;
        if (values.concerns_iin) body.concerns_iin = values.concerns_iin;
        if (values.extended_until) body.extended_until = values.extended_until;
      }
      if (values.sign_with !== 'none' && values.document && values.document[0]) {
        body.signature = await signContent(new Uint8Array(await values.document[0].arrayBuffer()), values);
      }
      let created;
      try {
        created = await postWithDocument(`${base}/decisions`, body, values.document);
      } catch (error) {
        throw signatureRefusalAtChoice(error, 'signature');
      }
      clearDraft(draftKey);
      announce(t('ocase.decision.added', { id: created.id }));
      reload();
    },
  });
  keepDraft(node, draftKey);
  const update = () => {
    const amending = Boolean(node.querySelector('select[name="amends"]').value);
    const type = node.querySelector('select[name="type"]').value;
    showField(node.querySelector('[data-field="type"]'), !amending);
    showField(node.querySelector('[data-field="concerns_iin"]'), !amending && c.decision_types.some((d) => d.type === type && d.concerns_person));
    showField(node.querySelector('[data-field="extended_until"]'), !amending && type === 'extension_of_investigation_period');
  };
  node.querySelector('select[name="type"]').addEventListener('change', update);
  node.querySelector('select[name="amends"]').addEventListener('change', update);
  showSigning(node);
  update();
  const list = existingList(
    c.decisions,
    [
      { label: t('ocase.col.number'), cell: (d) => String(d.id) },
      { label: t('ocase.decision.title'), cell: (d) => [d.title, amendmentNote(d)] },
      { label: t('ocase.decision.type'), cell: (d) => [t(`ocase.dtype.${d.type}`), d.concerns_iin ? [h('br'), h('span', { class: 'muted' }, t('queue.iin', { iin: d.concerns_iin }))] : null] },
      { label: t('ocase.decision.decided_on'), cell: (d) => formatDate(d.decided_on) },
      { label: t('ocase.col.signature'), cell: (d) => (d.signed_at ? badge(t('ocase.decision.signed'), 'ok') : h('span', { class: 'muted' }, t('ocase.decision.unsigned'))) },
      { label: t('ocase.service.col'), cell: (d) => serviceCell(base, d) },
    ],
    'ocase.decisions_empty',
    'ocase.decisions_caption',
  );
  const wrapper = section(t('ocase.decisions'), list, h('h3', {}, t('ocase.decision.submit')), h('p', { class: 'hint' }, t('ocase.decision.lead')), node);
  wrapper.dataset.section = 'decisions';
  return wrapper;
}

/** Proof of service: whom a decision reaches now, and when each first saw and downloaded it. */
function serviceCell(base, d) {
  const holder = h('div', { class: 'service', id: `service-${d.id}`, hidden: true });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-expanded': 'false',
      'aria-controls': holder.id,
      dataset: { action: 'service' },
      async onclick(event) {
        if (!holder.hidden) {
          holder.hidden = true;
          button.setAttribute('aria-expanded', 'false');
          return;
        }
        await busy(event.currentTarget, async () => {
          try {
            const service = await api(`${base}/decisions/${encodeURIComponent(d.id)}/service`);
            holder.replaceChildren(serviceTable(service));
          } catch (error) {
            holder.replaceChildren();
            showProblem(holder, error);
          }
          holder.hidden = false;
          button.setAttribute('aria-expanded', 'true');
        });
      },
    },
    t('ocase.service.show'),
  );
  return [button, holder];
}

function serviceTable(service) {
  const recipients = service.recipients || [];
  if (!recipients.length) return empty('ocase.service.none');
  const when = (at) => (at ? time(at) : h('span', { class: 'muted' }, t('ocase.service.not_yet')));
  return table(
    [
      { label: t('ocase.col.person'), cell: (r) => [r.full_name || t('queue.unknown_person'), h('br'), h('span', { class: 'muted' }, t('queue.iin', { iin: r.iin }))] },
      { label: t('ocase.service.listed'), cell: (r) => when(r.first_listed_at) },
      { label: t('ocase.service.downloaded'), cell: (r) => when(r.first_downloaded_at) },
    ],
    recipients.map((r) => ({ ...r, dataset: { iin: r.iin, served: r.first_downloaded_at ? 'yes' : 'no' } })),
    t('ocase.service.caption'),
  );
}

function materialSection(c, base) {
  const draftKey = `material-${c.erdr_number}`;
  const node = form({
    name: 'material',
    submitLabel: t('ocase.material.submit'),
    fields: [
      field({ name: 'title', label: t('ocase.material.title'), maxlength: 300, required: true }),
      field({ name: 'kind', label: t('ocase.material.kind'), hint: t('ocase.material.kind_hint'), maxlength: 100 }),
      field({ name: 'document', type: 'file', label: t('ocase.document'), hint: t('ocase.document_hint'), accept: DOCUMENT_ACCEPT, required: true }),
      field({ name: 'restricted', type: 'checkbox', label: t('ocase.material.restricted'), hint: t('ocase.material.restricted_hint') }),
      field({ name: 'civil_claim', type: 'checkbox', label: t('ocase.material.civil_claim'), hint: t('ocase.material.civil_claim_hint') }),
    ],
    async onSubmit(values) {
      const body = { title: values.title };
      if (values.kind) body.kind = values.kind;
      if (values.restricted) body.restricted = true;
      if (values.civil_claim) body.civil_claim = true;
      const created = await postWithDocument(`${base}/materials`, body, values.document);
      clearDraft(draftKey);
      announce(t('ocase.material.added', { id: created.id }));
      reload();
    },
  });
  keepDraft(node, draftKey);
  const list = existingList(
    c.materials,
    [
      { label: t('ocase.col.number'), cell: (m) => String(m.id) },
      { label: t('ocase.material.title'), cell: (m) => m.title },
      {
        label: t('ocase.material.kind'),
        cell: (m) => [
          m.kind || '—',
          ...(m.restricted ? [' ', h('span', { class: 'badge', dataset: { restricted: 'yes' } }, t('ocase.material.restricted_badge'))] : []),
          ...(m.civil_claim ? [' ', h('span', { class: 'badge', dataset: { civilClaim: 'yes' } }, t('ocase.material.civil_claim_badge'))] : []),
        ],
      },
      { label: t('ocase.col.added'), cell: (m) => time(m.created_at) },
    ],
    'ocase.materials_empty',
    'ocase.materials_caption',
  );
  const wrapper = section(t('ocase.materials'), list, h('h3', {}, t('ocase.material.submit')), h('p', { class: 'hint' }, t('ocase.material.lead')), node);
  wrapper.dataset.section = 'materials';
  return wrapper;
}

export async function render({ params }) {
  const erdr = params.erdr;
  const base = `/api/officer/cases/${encodeURIComponent(erdr)}`;
  const c = await api(base);
  const card = section(t('ocase.card'), caseDetails(c), h('h3', {}, t('ocase.stage_change')), stageForm(c, base));
  card.dataset.section = 'case';
  const title = page('ocase.title', h('p', { class: 'lead' }, t('ocase.lead', { erdr: c.erdr_number })));
  const notice = paperNotice(c);
  if (notice) title.append(notice);
  title.append(card, participantsSection(c, base), decisionSection(c, base), materialSection(c, base), h('p', {}, link('/officer/cases', t('ocases.back'))));
  return title;
}
