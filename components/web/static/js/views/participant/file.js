// File a statement about a criminal offence (CPC arts. 179–186), a petition (art. 99) or a
// complaint (arts. 100–106). Attachments are uploaded first; the filing is then signed with
// the person's EDS (a .p12 opened in the page, or NCALayer) over the exact content the portal
// says to sign — required for a statement (art. 181), optional otherwise — and sent with an
// Idempotency-Key kept for retries of the same contents, so a retry never files twice.

import { api, ApiProblem, idempotencyKey } from '../../api.js';
import { t, formatBytes, formatDate, language } from '../../i18n.js';
import { h, page, form, field, radios, section, keepDraft, clearDraft, details, time, link, announce, busy, showProblem, showField } from '../../ui.js';
import { label, statusWithPrincipal, receiptButton, ACTS_FOR_ANOTHER } from './common.js';
import { signContent, signatureRefusalAtChoice } from '../../sign.js';
import { waitForPhone } from '../../egov-mobile.js';

const DRAFT = 'filing';
const ATTEMPT_KEY = 'jaria.filing-attempt';
const MAX_FILES = 10;
const MAX_BYTES = 10 * 1024 * 1024;
const MEDIA = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };

/** The declared type of a picked file: the browser's, else guessed from its extension. */
function mediaType(file) {
  if (Object.values(MEDIA).includes(file.type)) return file.type;
  const extension = (file.name.split('.').pop() || '').toLowerCase();
  return MEDIA[extension] || file.type || 'application/octet-stream';
}

function fileIdentity(file) {
  return `${file.name}|${file.size}|${file.lastModified}`;
}

function fieldProblem(name, code, message = '') {
  return new ApiProblem(422, { status: 422, errors: [{ field: name, code, message }] });
}

/** The attempt in progress: its key and the uploads already made, across retries and reloads. */
function loadAttempt() {
  try {
    return JSON.parse(sessionStorage.getItem(ATTEMPT_KEY) || 'null');
  } catch {
    return null;
  }
}

function saveAttempt(attempt) {
  try {
    if (attempt) sessionStorage.setItem(ATTEMPT_KEY, JSON.stringify(attempt));
    else sessionStorage.removeItem(ATTEMPT_KEY);
  } catch {
    // Kept in memory only.
  }
}

function checkFiles(files) {
  if (files.length > MAX_FILES) throw fieldProblem('attachments', 'too_many');
  for (const file of files) {
    if (file.size > MAX_BYTES) throw fieldProblem('attachments', 'file_rejected', t('file.attachment_too_large', { name: file.name, size: formatBytes(MAX_BYTES) }));
    if (!['application/pdf', 'image/png', 'image/jpeg'].includes(mediaType(file))) {
      throw fieldProblem('attachments', 'file_rejected', t('file.attachment_wrong_type', { name: file.name }));
    }
  }
}

async function upload(file) {
  try {
    const result = await api('/api/filings/attachments', { method: 'POST', body: file, contentType: mediaType(file) });
    return result.id;
  } catch (error) {
    if (error instanceof ApiProblem && [413, 415, 422].includes(error.status)) {
      const reason = error.status === 413 ? t('problem.413') : error.status === 415 ? t('problem.415') : error.errors[0] ? t(`error.${error.errors[0].code}`) : t('error.invalid');
      throw fieldProblem('attachments', 'file_rejected', t('file.attachment_failed', { name: file.name, reason }));
    }
    throw error;
  }
}

function receiptSection(filing) {
  const holder = h('div');
  const node = section(
    t('file.receipt.title'),
    h('div', { class: 'success', role: 'status' }, h('p', {}, h('strong', {}, t('file.receipt.done', { number: filing.registration_number })))),
    details([
      [t('filing.number'), h('strong', { dataset: { field: 'registration_number' } }, filing.registration_number)],
      [t('filing.kind'), label('filing.kind.', filing.kind)],
      [t('filing.submitted_at'), time(filing.submitted_at)],
      [t('filing.due_at'), time(filing.due_at)],
      [t('file.receipt.content_hash'), h('code', { class: 'hash' }, filing.content_sha256)],
      filing.receipt_summary && filing.receipt_summary.signature_sha256
        ? [t('file.receipt.signature_hash'), h('code', { class: 'hash', dataset: { field: 'signature_sha256' } }, filing.receipt_summary.signature_sha256)]
        : null,
    ]),
    h('p', { class: 'hint' }, t('file.receipt.hint')),
    holder,
    h(
      'div',
      { class: 'actions' },
      receiptButton(filing, holder, 'primary'),
      h('button', { type: 'button', class: 'secondary', dataset: { action: 'print' }, onclick: () => window.print() }, t('action.print')),
      link(`/filings/${encodeURIComponent(filing.id)}`, t('file.receipt.follow'), { class: 'button secondary', dataset: { action: 'follow' } }),
      link('/file', t('file.receipt.another'), { class: 'button secondary', dataset: { action: 'file-another' } }),
    ),
  );
  node.dataset.section = 'receipt';
  node.dataset.filingId = String(filing.id);
  return node;
}

/** What each kind may name and whether it must be signed: the server's rules, as it gives them. */
function kindRules(kindsResult) {
  const catalogue = Object.fromEntries((kindsResult.kinds || []).map((k) => [k.kind, k]));
  const kinds = Object.keys(catalogue);
  const rulesOf = (k) => catalogue[k] || { addressees: [], subjects: [], signature_required: false, default_addressee: null };
  const union = (list) => [...new Set(kinds.flatMap((k) => rulesOf(k)[list]))];
  return {
    kinds,
    rulesOf,
    addressees: union('addressees'),
    // `other` first: what a complaint is about unless it names one of the art. 105 subjects.
    subjects: union('subjects').sort((a, b) => (a === 'other' ? -1 : b === 'other' ? 1 : 0)),
  };
}

/** The form's fields, every one of them; which show depends on the kind chosen (`applyKind`). */
function filingFields(rules, organs, cases) {
  const KINDS = rules.kinds;
  const ALL_ADDRESSEES = rules.addressees;
  const SUBJECTS = rules.subjects;
  const kind = radios({
    name: 'kind',
    label: t('file.kind'),
    required: true,
    options: KINDS.map((k) => ({ value: k, label: t(`filing.kind.${k}`) })),
  });
  const kindHints = KINDS.map((k) => h('p', { class: 'hint', dataset: { kindHint: k }, hidden: true }, t(`file.kind_hint.${k}`)));

  const organ = field({
    name: 'organ_id',
    type: 'select',
    label: t('file.organ'),
    hint: t('file.organ_hint'),
    required: true,
    options: [{ value: '', label: t('file.choose_organ') }, ...organs.map((o) => ({ value: String(o.id), label: o.region ? `${o.name} — ${o.region}` : o.name }))],
  });
  const caseField = field({
    name: 'erdr_number',
    type: 'select',
    label: t('file.case'),
    hint: cases.length ? t('file.case_hint') : t('file.no_cases'),
    required: true,
    options: [
      { value: '', label: t('file.choose_case') },
      ...cases.map((c) => ({
        value: c.erdr_number,
        label: `${c.erdr_number} — ${(c.my_statuses || []).map((s) => statusWithPrincipal(s.procedural_status, s.represented_iin)).join(', ')}`,
      })),
    ],
  });
  // Art. 100: someone with no status in the case whose interests an act in it affects.
  const affected = field({ name: 'affected_person', type: 'checkbox', label: t('file.affected'), hint: t('file.affected_hint') });
  const affectedErdr = field({
    name: 'affected_erdr_number',
    label: t('file.affected_erdr'),
    hint: t('file.affected_erdr_hint'),
    required: true,
    inputmode: 'numeric',
    pattern: '[0-9]{15}',
    maxlength: 15,
    minlength: 15,
  });
  const behalf = field({ name: 'on_behalf_of_iin', type: 'select', label: t('file.on_behalf'), hint: t('file.on_behalf_hint'), options: [] });
  const addressee = field({
    name: 'addressee',
    type: 'select',
    label: t('file.addressee'),
    required: true,
    options: [{ value: '', label: t('file.choose_addressee') }, ...ALL_ADDRESSEES.map((a) => ({ value: a, label: t(`filing.addressee.${a}`) }))],
  });
  const subject = field({
    name: 'subject',
    type: 'select',
    label: t('file.subject'),
    hint: t('file.subject_hint'),
    options: SUBJECTS.map((s) => ({ value: s, label: t(`filing.subject.${s}`) })),
    value: 'other',
  });
  const decision = field({ name: 'challenged_decision_id', type: 'select', label: t('file.challenged_decision'), hint: t('file.challenged_decision_hint'), options: [{ value: '', label: t('file.no_decision') }] });
  const warning = h('div', { class: 'notice', dataset: { kindHint: 'crime_report_warning' }, hidden: true }, h('p', {}, t('file.false_report_warning')));
  const text = field({ name: 'text', type: 'textarea', rows: 10, maxlength: 20000, label: t('file.text'), hint: t('file.text_hint'), required: true });
  const attachments = field({
    name: 'attachments',
    type: 'file',
    multiple: true,
    accept: '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg',
    label: t('file.attachments'),
    hint: t('file.attachments_hint'),
  });

  // The filer's EDS signature: required for a statement about an offence (art. 181).
  const signWith = radios({
    name: 'sign_with',
    label: t('file.sign.with'),
    required: true,
    value: 'key',
    options: [
      { value: 'key', label: t('file.sign.key') },
      { value: 'ncalayer', label: t('file.sign.ncalayer') },
      { value: 'egov_mobile', label: t('file.sign.egov_mobile') },
      { value: 'none', label: t('file.sign.none') },
    ],
  });
  const signLead = h('p', { class: 'hint', dataset: { hint: 'signature' } }, t('file.sign.lead'));
  const signKey = field({ name: 'sign_key', type: 'file', label: t('file.sign.key_file'), hint: t('file.sign.key_file_hint'), accept: '.p12,.pfx,application/x-pkcs12', required: true });
  const signPassword = field({ name: 'sign_password', type: 'password', label: t('signin.eds.password'), hint: t('signin.eds.password_hint'), autocomplete: 'off', required: true });

  const phoneHolder = h('div', { hidden: true });
  return { kind, kindHints, organ, affected, caseField, affectedErdr, behalf, addressee, subject, decision, warning, text, attachments, signWith, signLead, signKey, signPassword, phoneHolder };
}

/**
 * Shows the fields the chosen kind has and hides the rest; the signing choice and the
 * addressees follow the kind's rules (`rules`, from the server). `state`: whether the
 * affected-person box is ticked, whether a case is chosen, `fillBehalf` (fills whom I may file
 * for, answering whether there is anyone) and whether the person chose how to sign.
 */
function showForKind(fields, node, rules, chosen, state) {
  const { kindHints, warning, organ, affected, caseField, affectedErdr, behalf, addressee, subject, decision, text, attachments, signWith, signLead, signKey, signPassword } = fields;
  for (const hint of kindHints) hint.hidden = hint.dataset.kindHint !== chosen;
  warning.hidden = chosen !== 'crime_report';
  const asAffected = chosen === 'complaint' && state.affected;
  const inCase = (chosen === 'petition' || chosen === 'complaint') && !asAffected;
  showField(organ, chosen === 'crime_report');
  showField(affected, chosen === 'complaint');
  showField(caseField, inCase);
  showField(affectedErdr, asAffected);
  showField(behalf, inCase && state.fillBehalf());
  showField(addressee, inCase || asAffected);
  showField(subject, rules.subjects.length > 1);
  showField(decision, inCase && chosen === 'complaint' && state.caseChosen);
  showField(text, Boolean(chosen));
  showField(attachments, Boolean(chosen));
  // A statement must be signed (art. 181); a petition or complaint may be.
  const mustSign = rules.signature_required;
  const unsigned = node.querySelector('input[name="sign_with"][value="none"]');
  unsigned.disabled = mustSign;
  unsigned.closest('.radio').hidden = mustSign;
  // Until the person chooses, what must be signed is signed with the key file, the rest not.
  if (!state.signChoiceMade || (mustSign && unsigned.checked)) {
    node.querySelector(`input[name="sign_with"][value="${mustSign ? 'key' : 'none'}"]`).checked = true;
  }
  const how = (node.querySelector('input[name="sign_with"]:checked') || {}).value;
  signWith.hidden = !chosen;
  signLead.hidden = !chosen;
  showField(signKey, Boolean(chosen) && how === 'key');
  showField(signPassword, Boolean(chosen) && how === 'key');
  // Only the addressees this kind may go to (CPC arts. 99, 104–106).
  const addresseeSelect = addressee.querySelector('select');
  const allowed = rules.addressees;
  for (const option of addresseeSelect.options) {
    if (!option.value) continue;
    option.hidden = !allowed.includes(option.value);
    option.disabled = !allowed.includes(option.value);
  }
  if (addresseeSelect.value && !allowed.includes(addresseeSelect.value)) addresseeSelect.value = '';
  const preset = rules.default_addressee;
  if (preset && !addresseeSelect.value) addresseeSelect.value = preset;
}

/** The filing as the API takes it, from what the form holds for the chosen kind. */
function filingBody(values) {
  const body = { kind: values.kind };
  if (values.kind === 'crime_report') {
    body.organ_id = Number(values.organ_id);
    // The warning the page showed, in its language, goes into what the applicant signs.
    body.warning_language = language();
  } else if (values.kind === 'complaint' && values.affected_person) {
    // In my own name, about an act, naming no decision: the case is not mine to see.
    body.affected_person = true;
    body.erdr_number = values.affected_erdr_number;
    body.addressee = values.addressee;
    body.subject = values.subject || 'other';
  } else {
    body.erdr_number = values.erdr_number;
    if (values.on_behalf_of_iin) body.on_behalf_of_iin = values.on_behalf_of_iin;
    body.addressee = values.addressee;
    if (values.kind === 'complaint') {
      body.subject = values.subject || 'other';
      if (values.challenged_decision_id) body.challenged_decision_id = Number(values.challenged_decision_id);
    }
  }
  body.text = values.text;
  return body;
}

/**
 * Sends the filing: its files uploaded and its signature made once per attempt (a retry sends
 * the very same request under the same key), then the filing. `attempts` keeps the attempt
 * across retries. Answers the filing as stored.
 */
async function sendFiling(values, attempts, signatureFor) {
  const files = values.attachments || [];
  checkFiles(files);
  const body = filingBody(values);
  // Same contents and same files as the last attempt: the same key, the same uploads.
  const signature = JSON.stringify([body, files.map(fileIdentity), values.sign_with]);
  let attempt = attempts.current;
  // Uploads can be attached for 24 hours; an older attempt is not reused.
  if (!attempt || attempt.signature !== signature || !(Date.now() - attempt.started < 23 * 3600 * 1000)) {
    attempt = { signature, key: idempotencyKey(), uploads: {}, started: Date.now() };
    attempts.current = attempt;
    saveAttempt(attempt);
  }
  const ids = [];
  for (const file of files) {
    const identity = fileIdentity(file);
    if (!attempt.uploads[identity]) {
      attempt.uploads[identity] = await upload(file);
      saveAttempt(attempt);
    }
    ids.push(attempt.uploads[identity]);
  }
  if (ids.length) body.attachments = ids;
  if (values.sign_with !== 'none' && !attempt.cms) {
    attempt.cms = await signatureFor(body, values);
    saveAttempt(attempt);
  }
  if (values.sign_with !== 'none') body.signature = attempt.cms;
  try {
    return await api('/api/filings', { method: 'POST', json: body, idempotencyKey: attempt.key });
  } catch (error) {
    // Uploads expired, the key clashed or the signature was refused: the next try starts
    // afresh (new uploads, new key, a new signature).
    if (error instanceof ApiProblem && error.errors.some((e) => ['unknown_attachment', 'idempotency_key_reused'].includes(e.code) || e.field === 'signature')) {
      attempts.current = null;
      saveAttempt(null);
    }
    // An affected person typed the number themselves: its refusal is shown there.
    if (body.affected_person && error instanceof ApiProblem) {
      for (const item of error.errors) if (item.field === 'erdr_number') item.field = 'affected_erdr_number';
    }
    // The signature's refusal is shown at the choice of how to sign.
    throw signatureRefusalAtChoice(error, 'signature');
  }
}

export async function render(ctx) {
  const [organsResult, casesResult, kindsResult] = await Promise.all([
    api('/api/filings/organs'),
    api('/api/cases?limit=100'),
    api('/api/filings/kinds'),
  ]);
  const rules = kindRules(kindsResult);
  const { rulesOf } = rules;
  const KINDS = rules.kinds;
  const organs = organsResult.organs || [];
  // Only the cases the server says I may file in (a status in force, not gone to paper).
  const cases = (casesResult.cases || []).filter((c) => c.may_file);

  const fields = filingFields(rules, organs, cases);
  const { kind, kindHints, organ, affected, caseField, affectedErdr, behalf, addressee, subject, decision, warning, text, attachments, signWith, signLead, signKey, signPassword, phoneHolder } = fields;
  const holder = h('div');
  const attempts = { current: loadAttempt() };

  /** The CMS over what the portal says to sign for `body`, made as the person chose. */
  async function signatureFor(body, values) {
    if (values.sign_with === 'egov_mobile') {
      // The portal computes what the phone shows and takes only the filer's own signature.
      const started = await api('/api/filings/to-sign/egov-mobile', { method: 'POST', json: body });
      const result = await waitForPhone(phoneHolder, started, { field: 'sign_with' });
      return result.signature;
    }
    const prepared = await api('/api/filings/to-sign', { method: 'POST', json: body });
    return signContent(prepared.to_sign, values, { iin: ctx.me && ctx.me.iin });
  }

  const node = form({
    name: 'filing',
    submitLabel: t('file.submit'),
    fields: [kind, kindHints, organ, affected, caseField, affectedErdr, behalf, addressee, subject, decision, warning, text, attachments, signWith, signLead, signKey, signPassword, phoneHolder],
    async onSubmit(values) {
      const filing = await sendFiling(values, attempts, signatureFor);
      clearDraft(DRAFT);
      saveAttempt(null);
      attempts.current = null;
      announce(t('file.receipt.done', { number: filing.registration_number }));
      const receipt = receiptSection(filing);
      holder.replaceChildren(receipt);
      receipt.querySelector('h2').setAttribute('tabindex', '-1');
      receipt.querySelector('h2').focus();
    },
  });

  const kindInputs = Array.from(node.querySelectorAll('input[name="kind"]'));
  const caseSelect = caseField.querySelector('select');
  const behalfSelect = behalf.querySelector('select');
  const decisionSelect = decision.querySelector('select');
  const affectedBox = affected.querySelector('input');

  // Whom I may file for in the chosen case: myself, or a person I act for there.
  function fillBehalf() {
    const chosen = cases.find((c) => c.erdr_number === caseSelect.value);
    const principals = chosen ? (chosen.my_statuses || []).filter((s) => ACTS_FOR_ANOTHER.includes(s.procedural_status) && s.represented_iin) : [];
    const previous = behalfSelect.value || pendingBehalf;
    behalfSelect.replaceChildren(
      h('option', { value: '' }, t('file.on_behalf_self')),
      ...principals.map((s) => h('option', { value: s.represented_iin }, statusWithPrincipal(s.procedural_status, s.represented_iin))),
    );
    if (principals.some((s) => s.represented_iin === previous)) behalfSelect.value = previous;
    return principals.length > 0;
  }

  // The decisions of the chosen case a complaint may name.
  let decisionsFor = null;
  async function fillDecisions() {
    const erdr = caseSelect.value;
    if (!erdr || decisionsFor === erdr) return;
    decisionsFor = erdr;
    const previous = decisionSelect.value || pendingDecision;
    decisionSelect.replaceChildren(h('option', { value: '' }, t('file.no_decision')));
    try {
      const result = await api(`/api/cases/${encodeURIComponent(erdr)}/decisions?limit=100`);
      if (decisionsFor !== erdr) return;
      for (const d of result.decisions || []) {
        decisionSelect.append(h('option', { value: String(d.id) }, `${d.title} (${formatDate(d.decided_on)})`));
      }
      if ((result.decisions || []).some((d) => String(d.id) === previous)) decisionSelect.value = previous;
    } catch {
      // The complaint can be filed without naming a decision.
      decisionsFor = null;
    }
  }

  // Whether the person picked how to sign (else the default follows the kind).
  let signChoiceMade = false;
  function apply() {
    const chosen = (kindInputs.find((input) => input.checked) || {}).value || '';
    showForKind(fields, node, rulesOf(chosen), chosen, { affected: affectedBox.checked, caseChosen: Boolean(caseSelect.value), fillBehalf, signChoiceMade });
    if (chosen === 'complaint' && caseSelect.value) fillDecisions();
  }

  // What was typed before (the draft) comes back; what the link that opened this screen chose
  // (a case's "file a complaint", a decision's "complain") then sets the kind and the case.
  // The two selects filled later keep their drafted choice until their options arrive.
  const query = ctx.query;
  let saved = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(`jaria.draft.${DRAFT}`) || '{}') || {};
  } catch {
    saved = {};
  }
  const pendingBehalf = saved.on_behalf_of_iin || '';
  let pendingDecision = query.get('challenged_decision_id') || saved.challenged_decision_id || '';
  keepDraft(node, DRAFT);
  if (KINDS.includes(query.get('kind'))) {
    for (const input of kindInputs) input.checked = input.value === query.get('kind');
  }
  if (cases.some((c) => c.erdr_number === query.get('erdr_number'))) caseSelect.value = query.get('erdr_number');
  for (const input of kindInputs) input.addEventListener('change', apply);
  for (const input of node.querySelectorAll('input[name="sign_with"]')) {
    input.addEventListener('change', () => {
      signChoiceMade = true;
      apply();
    });
  }
  affectedBox.addEventListener('change', apply);
  caseSelect.addEventListener('change', () => {
    pendingDecision = '';
    apply();
  });
  apply();

  holder.append(node);
  return page(
    'file.title',
    h('p', { class: 'lead' }, t('file.lead')),
    cases.length ? null : h('p', { class: 'hint' }, t('file.no_cases_lead'), ' ', link('/cases/request', t('cases.request_access'))),
    holder,
  );
}
