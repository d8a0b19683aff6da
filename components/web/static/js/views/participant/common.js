// Pieces the participant screens share: labels for statuses and states, paged lists, the
// printable receipt. Every string is a catalogue key of `participant.json`.

import { api, download } from '../../api.js';
import { t, has, formatDate, language } from '../../i18n.js';
import { h, badge, actionButton, time } from '../../ui.js';

/** Procedural statuses the API accepts, in the order the CPC lists them. */
export const STATUSES = [
  'suspect',
  'accused',
  'witness_with_defence',
  'defender',
  'legal_representative',
  'representative',
  'victim',
  'private_prosecutor',
  'civil_plaintiff',
  'civil_defendant',
];

/** Statuses held for another person (the request names whom). */
export const ACTS_FOR_ANOTHER = ['defender', 'legal_representative', 'representative'];

/** Filing states an answer has not closed yet (the filer may withdraw then). */

/** `t(prefix + value)` when the catalogue has it, else the raw value (never a bare key). */
export function label(prefix, value) {
  if (value === null || value === undefined || value === '') return '—';
  const key = `${prefix}${value}`;
  return has(key) ? t(key) : String(value);
}

/**
 * What a change of a filing says beyond its name, a line each: the outcome (a judge's order has
 * the court's outcomes, not an officer's answer's), a new due date, the reason, the case it
 * became, where it was forwarded. The timeline and the notice of the change show the same.
 */
export function filingChangeLines(detail, event) {
  const d = detail || {};
  const lines = [];
  const outcomes = event === 'court_decided' ? 'filing.court_record.outcome.' : 'filing.outcome.';
  if (d.outcome) lines.push(t('filing.timeline.outcome', { outcome: label(outcomes, d.outcome) }));
  if (d.due_at) lines.push([t('filing.timeline.new_due'), ' ', time(d.due_at)]);
  if (d.reason) lines.push(t('filing.timeline.reason', { reason: d.reason }));
  if (d.erdr_number) lines.push(t('filing.timeline.erdr', { erdr: d.erdr_number }));
  if (d.forwarded_to) lines.push(t('filing.timeline.forwarded_to', { to: d.forwarded_to }));
  return lines;
}

export function statusLabel(status) {
  return label('status.', status);
}

/** "Victim", or "Defender of 123456789012". */
export function statusWithPrincipal(status, representedIin) {
  return representedIin ? t('cases.status_for', { status: statusLabel(status), iin: representedIin }) : statusLabel(status);
}

/** My statuses in a case, in force first, then those that ended, each said as such. */
export function myStatuses(c) {
  const now = (c.my_statuses || []).map((s) => statusWithPrincipal(s.procedural_status, s.represented_iin));
  const past = (c.my_past_statuses || []).map((s) => {
    const status = statusWithPrincipal(s.procedural_status, s.represented_iin);
    return h('span', { class: 'muted', dataset: { ended: 'true' } }, s.ended_on ? t('cases.status_ended', { status, date: formatDate(s.ended_on) }) : t('cases.status_lapsed', { status }));
  });
  return [...now, ...past].flatMap((s, i) => [i ? h('br') : null, s]);
}

const FILING_TONES = {
  submitted: 'info',
  under_review: 'info',
  extended: 'warn',
  registered: 'ok',
  decided: 'ok',
  refused: 'danger',
  forwarded: 'info',
  withdrawn: '',
};

export function filingStateBadge(state) {
  return badge(label('filing.state.', state), FILING_TONES[state]);
}

const REQUEST_TONES = { requested: 'warn', confirmed: 'ok', rejected: 'danger', revoked: 'danger' };

export function requestStateBadge(state) {
  return badge(label('access.state.', state), REQUEST_TONES[state]);
}

const STAGE_TONES = { registered: 'info', under_investigation: 'info', suspended: 'warn', terminated: '', sent_to_court: 'ok', joined: '' };

export function stageBadge(stage) {
  return badge(label('case.stage.', stage), STAGE_TONES[stage]);
}

/** The overdue marker: words, not only colour. */
export function overdueMark(filing) {
  return filing.overdue && filing.open ? badge(t('filings.overdue'), 'danger') : null;
}

export function date(value) {
  return value ? h('time', { datetime: value }, formatDate(value)) : '—';
}

/** A plain-text block: one paragraph per line, nothing parsed as markup. */
export function textBlock(text) {
  const lines = String(text || '').split(/\r?\n/);
  return h('div', { class: 'text-block' }, lines.map((line) => h('p', {}, line || '\u00a0')));
}

/** The button that opens a filing's printable receipt; a failure is shown in `holder`. */
export function receiptButton(filing, holder, tone = 'secondary') {
  return actionButton(
    { tone, action: 'open-receipt', problemsIn: holder, run: () => openReceipt(filing.id, filing.registration_number) },
    t('file.receipt.open'),
  );
}

/**
 * Opens the printable receipt (it needs the session cookie, so it is fetched here and shown
 * from a blob); when the browser blocks the new window, the page is downloaded instead.
 */
export async function openReceipt(filingId, registrationNumber) {
  const win = window.open('', '_blank');
  try {
    const response = await api(`/api/filings/${encodeURIComponent(filingId)}/receipt?lang=${language()}`, { raw: true, accept: 'text/html' });
    const blob = new Blob([await response.text()], { type: 'text/html' });
    const url = URL.createObjectURL(blob);
    if (win) {
      win.location.href = url;
    } else {
      const link = h('a', { href: url, download: `receipt-${registrationNumber || filingId}.html` });
      document.body.append(link);
      link.click();
      link.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    if (win) win.close();
    throw error;
  }
}

/** A button that downloads a protected document; a failure is shown in `container`. */
export function downloadButton(path, name, container, extra = {}) {
  return actionButton(
    { action: 'download', dataset: extra, problemsIn: container, run: () => download(path, name) },
    t('action.download'),
    name ? h('span', { class: 'visually-hidden' }, ` ${name}`) : null,
  );
}
