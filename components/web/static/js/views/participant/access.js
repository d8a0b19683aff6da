// Ask the officer of a case to confirm my procedural status in it (CPC arts. 64–77).

import { api, ApiProblem } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, form, field, section, keepDraft, clearDraft, link, announce, details } from '../../ui.js';
import { STATUSES, ACTS_FOR_ANOTHER, statusLabel, statusWithPrincipal } from './common.js';
import { requestsSection } from './cases.js';

const DRAFT = 'access-request';

function requestForm(onDone, initialErdr) {
  const represented = field({
    name: 'represented_iin',
    label: t('access.represented_iin'),
    hint: t('access.represented_iin_hint'),
    inputmode: 'numeric',
    pattern: '[0-9]{12}',
    maxlength: 12,
    autocomplete: 'off',
    required: true,
  });
  const basis = field({ name: 'basis', type: 'textarea', rows: 3, maxlength: 500, label: t('access.basis'), hint: t('access.basis_hint') });
  const statusField = field({
    name: 'procedural_status',
    type: 'select',
    label: t('access.status'),
    hint: t('access.status_hint'),
    required: true,
    options: [{ value: '', label: t('access.choose_status') }, ...STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))],
  });
  const node = form({
    name: 'access-request',
    submitLabel: t('access.submit'),
    fields: [
      field({
        name: 'erdr_number',
        label: t('access.erdr'),
        hint: t('access.erdr_hint'),
        inputmode: 'numeric',
        pattern: '[0-9]{15}',
        maxlength: 15,
        autocomplete: 'off',
        required: true,
        value: initialErdr || undefined,
      }),
      statusField,
      represented,
      basis,
    ],
    async onSubmit(values, formNode) {
      const body = { erdr_number: values.erdr_number, procedural_status: values.procedural_status };
      if (values.represented_iin !== undefined) body.represented_iin = values.represented_iin;
      if (values.basis) body.basis = values.basis;
      let result;
      try {
        result = await api('/api/cases/access-requests', { method: 'POST', json: body });
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 409) {
          // Already asked: say so next to the case number rather than "changed meanwhile".
          throw new ApiProblem(422, { status: 422, errors: [{ field: 'erdr_number', code: 'already_requested', message: '' }] });
        }
        throw error;
      }
      clearDraft(DRAFT);
      formNode.reset();
      apply();
      announce(t('access.sent'));
      await onDone(result);
    },
  });
  const select = statusField.querySelector('select');
  const iinInput = represented.querySelector('input');
  const basisInput = basis.querySelector('textarea');
  // The represented person's IIN only for a defender or a representative; a defender's warrant
  // number is required in the basis (CPC art. 70).
  function apply() {
    const actsForAnother = ACTS_FOR_ANOTHER.includes(select.value);
    represented.hidden = !actsForAnother;
    iinInput.disabled = !actsForAnother;
    basisInput.required = select.value === 'defender';
  }
  select.addEventListener('change', apply);
  keepDraft(node, DRAFT);
  if (initialErdr) node.querySelector('[name="erdr_number"]').value = initialErdr;
  apply();
  return node;
}

export async function render(ctx) {
  const result = h('div', { class: 'result', 'aria-live': 'polite' });
  const requestsHolder = h('div');
  requestsHolder.append(await requestsSection());
  const initialErdr = ctx.query.get('erdr') || '';
  const onDone = async (request) => {
    result.replaceChildren(
      h(
        'div',
        { class: 'success', role: 'status', dataset: { requestId: String(request.id) } },
        h('p', {}, h('strong', {}, t('access.sent'))),
        details([
          [t('access.erdr'), request.erdr_number],
          [t('access.status'), statusWithPrincipal(request.procedural_status, request.represented_iin)],
        ]),
        h('p', {}, t('access.sent_next')),
        h('p', {}, link('/cases', t('access.to_cases'))),
      ),
    );
    requestsHolder.replaceChildren(await requestsSection());
  };
  const formSection = section(
    t('access.form_title'),
    h('p', { class: 'hint' }, t('access.lead')),
    requestForm(onDone, /^[0-9]{15}$/.test(initialErdr) ? initialErdr : ''),
  );
  formSection.dataset.section = 'access-form';
  return page('access.title', h('p', { class: 'toolbar' }, link('/cases', t('access.back'))), result, formSection, requestsHolder);
}
