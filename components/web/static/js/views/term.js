// The period of the pre-trial investigation (CPC art. 192) as both case pages show it: its last
// day and what is left, whether it runs, its extensions and the suspended days not counted.
// The server counts it (crates/portal/src/case/term.rs); this only says it.

import { t, formatDate } from '../i18n.js';
import { h } from '../ui.js';

export function investigationTerm(term) {
  if (!term) return '—';
  const lines = [];
  if (term.state === 'running') {
    const left = term.days_left;
    lines.push(h('strong', {}, t('term.until', { date: formatDate(term.ends_on) })), ' ',
      h('span', { class: left < 0 ? 'overdue' : 'muted', dataset: { daysLeft: String(left) } },
        left > 0 ? t('term.days_left', { days: left }) : left === 0 ? t('term.last_day') : t('term.overrun', { days: -left })));
  } else if (term.state === 'suspended') {
    lines.push(h('strong', {}, t('term.suspended')), ' ', h('span', { class: 'muted' }, t('term.would_end', { date: formatDate(term.ends_on) })));
  } else {
    lines.push(h('strong', {}, t('term.over')));
  }
  const notes = [];
  if (term.extensions.length) {
    const last = term.extensions[term.extensions.length - 1];
    notes.push(t('term.extended', { count: term.extensions.length, date: formatDate(last.extended_until) }));
  }
  if (term.suspended_days > 0) notes.push(t('term.suspended_days', { days: term.suspended_days }));
  notes.push(t('term.article'));
  return h('span', { dataset: { term: term.state } }, lines, h('br'), h('span', { class: 'muted' }, notes.join(' · ')));
}
