// My account: set or change the password, my e-mail and phone for notices (with their codes),
// my sessions (end any), sign out.

import { api, ApiProblem } from '../api.js';
import { t } from '../i18n.js';
import { h, page, form, field, section, table, time, announce, details, errorBox, actionButton } from '../ui.js';
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
              : actionButton(
                  {
                    action: 'end-session',
                    dataset: { id: s.id },
                    problemsIn: container,
                    run: () => api(`/api/auth/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' }),
                    announced: t('account.session.ended'),
                    then: reload,
                  },
                  t('account.session.end'),
                ),
        },
      ],
      sessions.map((s) => ({ ...s, dataset: { id: s.id } })),
      t('account.sessions_caption'),
    ),
  );
  return section(t('account.sessions'), container);
}

const NOTICE_LANGUAGES = ['kk', 'ru', 'en'];

function contactState(contact) {
  if (!contact) return t('account.contact.none');
  if (contact.verified) return t('account.contact.verified');
  return contact.code_pending ? t('account.contact.pending') : t('account.contact.unverified');
}

// What changed, as PUT /api/auth/contacts takes it: a left-out field is kept, null removes.
function contactChanges(current, values) {
  const body = {};
  for (const [name, key] of [['email', 'email'], ['phone', 'phone']]) {
    const before = current[key] ? current[key].address : '';
    const now = values[name] || '';
    const unverified = current[key] && !current[key].verified;
    if (now !== before || (now && unverified && !current[key].code_pending)) body[key] = now ? now : null;
  }
  if (values.language && values.language !== current.language) body.language = values.language;
  return body;
}

async function noticesSection(me) {
  let contacts;
  try {
    contacts = await api('/api/auth/contacts');
  } catch (error) {
    return section(t('account.notices'), errorBox(error));
  }
  const status = details([
    [t('account.email'), contacts.email ? [contacts.email.address, ' — ', contactState(contacts.email)] : contactState(null)],
    [t('account.phone'), contacts.phone ? [contacts.phone.address, ' — ', contactState(contacts.phone)] : contactState(null)],
  ]);
  const isOfficer = Boolean(me.acts_as_officer);
  const fields = [
    field({ name: 'email', type: 'email', label: t('account.email'), autocomplete: 'email', maxlength: 254, value: contacts.email ? contacts.email.address : '' }),
    field({ name: 'phone', type: 'tel', label: t('account.phone'), hint: t('account.phone_hint'), autocomplete: 'tel', inputmode: 'tel', value: contacts.phone ? contacts.phone.address : '' }),
    field({
      name: 'language',
      type: 'select',
      label: t('account.notice_language'),
      value: contacts.language,
      options: NOTICE_LANGUAGES.map((value) => ({ value, label: t(`account.notice_language.${value}`) })),
    }),
  ];
  if (isOfficer) {
    fields.push(field({ name: 'officer_digest', type: 'checkbox', label: t('account.digest') }));
  }
  const contactsForm = form({
    name: 'contacts',
    submitLabel: t('account.save_contacts'),
    fields,
    async onSubmit(values) {
      const body = contactChanges(contacts, values);
      if (Object.keys(body).length > 0) await api('/api/auth/contacts', { method: 'PUT', json: body });
      if (isOfficer && values.officer_digest !== contacts.officer_digest) {
        await api('/api/auth/notification-preferences', { method: 'PUT', json: { officer_digest: values.officer_digest } });
      }
      announce(t('account.contacts_saved'));
      reload();
    },
  });
  const digest = contactsForm.querySelector('input[name="officer_digest"]');
  if (digest) digest.checked = contacts.officer_digest;
  const pending = ['email', 'phone'].filter((key) => contacts[key] && contacts[key].code_pending);
  const verifyForm = pending.length
    ? form({
        name: 'verify-contact',
        submitLabel: t('account.verify_submit'),
        fields: [
          field({
            name: 'channel',
            type: 'select',
            label: t('account.channel'),
            value: pending[0] === 'phone' ? 'sms' : 'email',
            options: pending.map((key) => ({ value: key === 'phone' ? 'sms' : 'email', label: t(key === 'phone' ? 'account.phone' : 'account.email') })),
          }),
          field({ name: 'code', label: t('account.code'), hint: t('account.code_hint'), inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true }),
        ],
        async onSubmit(values) {
          await api('/api/auth/contacts/verify', { method: 'POST', json: { channel: values.channel, code: values.code } });
          announce(t('account.verified_done'));
          reload();
        },
      })
    : null;
  return section(
    t('account.notices'),
    h('p', { class: 'hint' }, t('account.notices_lead')),
    status,
    contactsForm,
    verifyForm ? h('h3', {}, t('account.verify')) : null,
    verifyForm,
  );
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
  return page('account.title', identity, password, await noticesSection(me), await sessionsSection());
}
