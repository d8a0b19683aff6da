// My account: set or change the password, my sessions (end any), sign out.

import { api, ApiProblem } from '../api.js';
import { t } from '../i18n.js';
import { h, page, form, field, section, table, time, announce, busy, showProblem, details, errorBox } from '../ui.js';
import { signOut, reload } from '../app.js';

const ROLE_KEYS = ['participant', 'investigator', 'inquirer', 'prosecutor', 'head_of_unit', 'admin'];

function passwordForm(me) {
  const usingPassword = me.session && me.session.method === 'password';
  const fields = [];
  if (usingPassword) {
    fields.push(field({ name: 'current_password', type: 'password', label: t('account.current_password'), autocomplete: 'current-password', required: true }));
  }
  fields.push(
    field({ name: 'password', type: 'password', label: t('account.new_password'), hint: t('account.password_hint'), autocomplete: 'new-password', minlength: 12, required: true }),
    field({ name: 'confirm', type: 'password', label: t('account.confirm_password'), autocomplete: 'new-password', required: true }),
  );
  const node = form({
    name: 'set-password',
    submitLabel: t('account.save_password'),
    fields,
    async onSubmit(values, formNode) {
      if (values.password !== values.confirm) {
        throw new ApiProblem(422, { status: 422, errors: [{ field: 'confirm', code: 'password_mismatch', message: '' }] });
      }
      const body = { password: values.password };
      if (usingPassword) body.current_password = values.current_password;
      await api('/api/auth/password', { method: 'PUT', json: body });
      formNode.reset();
      announce(t('account.password_saved'));
    },
  });
  return node;
}

async function sessionsSection() {
  const container = h('div');
  let sessions;
  try {
    sessions = (await api('/api/auth/sessions')).sessions;
  } catch (error) {
    return section(t('account.sessions'), errorBox(error));
  }
  container.append(
    table(
      [
        { label: t('account.session.method'), cell: (s) => [t(`account.method.${s.method}`), s.current ? h('strong', { class: 'badge badge-info' }, t('account.session.current')) : null] },
        { label: t('account.session.client'), cell: (s) => [s.user_agent || '—', h('br'), h('span', { class: 'muted' }, s.client_addr || '')] },
        { label: t('account.session.created'), cell: (s) => time(s.created_at) },
        { label: t('account.session.last_seen'), cell: (s) => time(s.last_seen_at) },
        {
          label: t('account.session.action'),
          cell: (s) =>
            s.current
              ? h('button', { type: 'button', class: 'secondary', dataset: { action: 'sign-out-here' }, onclick: signOut }, t('nav.sign_out'))
              : h('button', {
                  type: 'button',
                  class: 'secondary',
                  dataset: { action: 'end-session', id: s.id },
                  async onclick(event) {
                    await busy(event.currentTarget, async () => {
                      try {
                        await api(`/api/auth/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
                        announce(t('account.session.ended'));
                        reload();
                      } catch (error) {
                        showProblem(container, error);
                      }
                    });
                  },
                }, t('account.session.end')),
        },
      ],
      sessions.map((s) => ({ ...s, dataset: { id: s.id } })),
      t('account.sessions_caption'),
    ),
  );
  return section(t('account.sessions'), container);
}

export async function render({ me }) {
  const roles = me.roles.filter((role) => ROLE_KEYS.includes(role)).map((role) => t(`role.${role}`)).join(', ');
  const identity = section(
    t('account.identity'),
    details([
      [t('field.full_name'), me.full_name],
      [t('field.iin'), me.iin],
      [t('account.roles'), roles],
      me.organ ? [t('account.organ'), me.organ.name] : null,
      [t('account.session_method'), t(`account.method.${me.session.method}`)],
      [t('account.session_expires'), time(me.session.expires_at)],
    ]),
  );
  const isParticipantOnly = me.roles.every((role) => role === 'participant');
  const password = isParticipantOnly
    ? section(t('account.password'), h('p', { class: 'hint' }, t('account.password_lead')), passwordForm(me))
    : section(t('account.password'), h('p', { class: 'hint' }, t('account.password_officers')));
  return page('account.title', identity, password, await sessionsSection());
}
