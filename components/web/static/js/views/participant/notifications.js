// My notifications, newest first: each says what happened in my words and links to it.

import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, section, time, link, badge, errorBox, pagedList, withPage, actionButton } from '../../ui.js';
import { reload } from '../../app.js';
import { label, filingChangeLines } from './common.js';

/** The notice's sentence, an optional second line, and where it leads. */
export function describe(notice) {
  const p = notice.payload || {};
  const erdr = p.erdr_number || '';
  const caseRoute = erdr ? `/cases/${encodeURIComponent(erdr)}` : '/cases';
  switch (notice.kind) {
    case 'filing_updated': {
      const change = p.event || p.state;
      return {
        text: t('notifications.filing_updated', { number: p.registration_number || `#${p.filing_id}`, event: label('filing.event.', change) }),
        lines: filingChangeLines(p, p.event),
        route: p.filing_id ? `/filings/${encodeURIComponent(p.filing_id)}` : '/filings',
        linkText: t('notifications.open_filing'),
      };
    }
    case 'access_request_decided': {
      const confirmed = p.state === 'confirmed';
      return {
        text: t(confirmed ? 'notifications.access_confirmed' : 'notifications.access_rejected', { erdr }),
        lines: p.reason ? [t('notifications.reason', { reason: p.reason })] : [],
        route: confirmed ? caseRoute : '/cases',
        linkText: confirmed ? t('notifications.open_case') : t('notifications.open_requests'),
      };
    }
    case 'status_revoked':
      return { text: t('notifications.status_revoked', { erdr }), lines: [], route: '/cases', linkText: t('notifications.open_cases') };
    case 'decision_available':
      return {
        text: t('notifications.decision_available', { erdr }),
        lines: [[p.title || '', p.type ? ` (${label('case.decision.type.', p.type)})` : ''].join('')].filter(Boolean),
        route: caseRoute,
        linkText: t('notifications.open_case'),
      };
    case 'decision_annulled':
    case 'decision_corrected':
      return {
        text: t(notice.kind === 'decision_annulled' ? 'notifications.decision_annulled' : 'notifications.decision_corrected', { erdr }),
        lines: [[p.title || '', p.type ? ` (${label('case.decision.type.', p.type)})` : ''].join('')].filter(Boolean),
        route: caseRoute,
        linkText: t('notifications.open_case'),
      };
    case 'familiarisation_granted':
      return {
        text: t('notifications.familiarisation_granted', { erdr }),
        lines: p.until ? [[t('notifications.until'), ' ', time(p.until)]] : [],
        route: caseRoute,
        linkText: t('notifications.open_case'),
      };
    case 'familiarisation_revoked':
      return { text: t('notifications.familiarisation_revoked', { erdr }), lines: [], route: caseRoute, linkText: t('notifications.open_case') };
    case 'participant_recorded':
      return {
        text: t('notifications.participant_recorded', { erdr, status: label('status.', p.procedural_status) }),
        lines: [],
        route: caseRoute,
        linkText: t('notifications.open_case'),
      };
    case 'filing_forwarded':
      return {
        text: t('notifications.filing_forwarded', { number: p.registration_number || `#${p.filing_id}`, to: p.to_organ || '—' }),
        lines: [],
        route: p.filing_id ? `/filings/${encodeURIComponent(p.filing_id)}` : '/filings',
        linkText: t('notifications.open_filing'),
      };
    case 'court_window':
      return {
        text: t('notifications.court_window', { number: p.registration_number || `#${p.filing_id}`, days: p.days_left }),
        lines: p.ends_at ? [[t('filing.court.ends_at'), ' ', time(p.ends_at)]] : [],
        route: p.filing_id ? `/filings/${encodeURIComponent(p.filing_id)}` : '/filings',
        linkText: t('notifications.open_filing'),
      };
    case 'filed_on_behalf':
      return {
        text: t('notifications.filed_on_behalf', { number: p.registration_number || `#${p.filing_id}`, kind: label('filing.kind.', p.kind) }),
        lines: [],
        route: p.filing_id ? `/filings/${encodeURIComponent(p.filing_id)}` : '/filings',
        linkText: t('notifications.open_filing'),
      };
    case 'filing_received':
      return {
        text: t(p.filed_in_detention ? 'notifications.filing_received_in_custody' : 'notifications.filing_received', { number: p.registration_number || `#${p.filing_id}`, due: p.due_at }),
        lines: [],
        route: p.filing_id ? `/officer/filings/${encodeURIComponent(p.filing_id)}` : '/officer/queue',
        linkText: t('notifications.open_filing'),
      };
    case 'access_request_received':
      return {
        text: t('notifications.access_request_received', { erdr, status: label('status.', p.procedural_status), due: p.due_at }),
        lines: [],
        route: '/officer/queue',
        linkText: t('notifications.open_queue'),
      };
    case 'custody_waiting':
      return {
        text: t(p.handover_overdue ? 'notifications.custody_waiting_overdue' : 'notifications.custody_waiting', {
          number: p.registration_number || `#${p.filing_id}`,
          hours: p.hours_waiting,
          due: p.handover_due_at,
        }),
        lines: [],
        route: p.filing_id ? `/officer/filings/${encodeURIComponent(p.filing_id)}` : '/officer/queue',
        linkText: t('notifications.open_filing'),
      };
    case 'stage_changed':
      return {
        text: t('notifications.stage_changed', { erdr, stage: label('case.stage.', p.stage) }),
        lines: [],
        route: caseRoute,
        linkText: t('notifications.open_case'),
      };
    default:
      return { text: t('notifications.other'), lines: [], route: null, linkText: null };
  }
}

function markRead(item, ctx, container) {
  return actionButton(
    {
      action: 'read',
      dataset: { id: String(item.id) },
      problemsIn: container,
      async run(button) {
        await api(`/api/status/notifications/${encodeURIComponent(item.id)}/read`, { method: 'POST' });
        item.read_at = new Date().toISOString();
        const node = button.closest('.notice');
        node.classList.remove('unread');
        node.dataset.unread = 'false';
        node.querySelector('.unread-mark')?.remove();
        button.remove();
      },
      announced: t('notifications.marked'),
      then: () => ctx.refreshUnread(),
    },
    t('notifications.mark_read'),
  );
}

function noticeNode(item, ctx, container) {
  const unread = !item.read_at;
  const d = describe(item);
  return h(
    'div',
    { role: 'listitem', class: unread ? 'notice unread' : 'notice', dataset: { id: String(item.id), kind: item.kind, unread: String(unread) } },
    h('p', {}, unread ? h('span', { class: 'unread-mark' }, badge(t('notifications.new'), 'warn'), ' ') : null, h('strong', {}, d.text)),
    d.lines.map((line) => h('p', {}, line)),
    h('p', { class: 'muted' }, time(item.at)),
    h('div', { class: 'actions' }, d.route ? h('a', { href: `#${d.route}`, class: 'button secondary' }, d.linkText) : null, unread ? markRead(item, ctx, container) : null),
  );
}

export async function render(ctx) {
  const container = h('div');
  let unreadCount = 0;
  let body;
  try {
    const list = await pagedList({
      load: async (cursor) => {
        const result = await api(withPage('/api/status/notifications', cursor));
        if (!cursor) unreadCount = Number(result.unread_count) || 0;
        return { items: result.notifications || [], next: result.next_cursor };
      },
      draw: (items) => h('div', { role: 'list', class: 'notices' }, items.map((item) => noticeNode(item, ctx, container))),
      emptyKey: 'notifications.none',
    });
    body = list.node;
  } catch (error) {
    body = errorBox(error);
  }
  const readAll = actionButton(
    {
      action: 'read-all',
      disabled: unreadCount === 0,
      problemsIn: container,
      run: () => api('/api/status/notifications/read-all', { method: 'POST' }),
      announced: t('notifications.all_marked'),
      async then() {
        await ctx.refreshUnread();
        await reload();
      },
    },
    t('notifications.mark_all_read'),
  );
  container.append(body);
  const list = section(
    t('notifications.list_title'),
    h('div', { class: 'toolbar' }, h('p', { dataset: { unreadCount: String(unreadCount) } }, t('notifications.unread_count', { count: unreadCount })), readAll),
    container,
  );
  list.dataset.section = 'notifications';
  return page('notifications.title', list);
}
