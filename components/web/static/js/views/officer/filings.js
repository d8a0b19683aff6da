// The filings I receive (as lead officer, head of unit, supervising prosecutor or officer of the
// organ a statement went to), soonest due first, filtered by state and kind, paged by cursor.
// Also exports the small helpers the other officer screens share (overdue marks, documents).

import { api, ApiProblem } from '../../api.js';
import { t } from '../../i18n.js';
import { h, page, form, field, section, table, time, badge, link, showProblem, pagedList } from '../../ui.js';

export const FILING_KINDS = ['crime_report', 'petition', 'complaint'];
export const FILING_STATES = ['submitted', 'under_review', 'extended', 'registered', 'decided', 'refused', 'forwarded', 'withdrawn'];
const PAGE_SIZE = 25;
/** The largest document the API accepts (checked again by the server, by content). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** A filing state as a badge with its words (never colour alone). */
export function stateBadge(state, open) {
  const tone = open ? 'info' : state === 'withdrawn' ? null : 'ok';
  return badge(t(`ofiling.state.${state}`), tone);
}

/** The due time, with a worded 'overdue' badge when it has passed. */
export function dueCell(item) {
  return h('span', {}, time(item.due_at), item.overdue ? [' ', badge(t('ofiling.overdue'), 'danger')] : null);
}

/**
 * Table columns whose cells are wrapped in one `div`: on a phone a cell is a two-column grid
 * (label, content), so several loose children would spill into the label column.
 */
/** Today's date in Almaty as YYYY-MM-DD (the value of a date input). */
export function almatyToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** An instant's Almaty date as YYYY-MM-DD. */
export function almatyDate(iso) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Almaty', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** A picked file as base64 (without the data: prefix), for the JSON bodies the API takes. */
export function toBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * The document of a file input as `{filename, content_base64}`, or null when none is picked.
 * A file over the limit is refused here, next to the field, before it is sent.
 */
export async function documentOf(files, fieldName) {
  const file = files && files[0];
  if (!file) return null;
  if (file.size > MAX_DOCUMENT_BYTES) {
    throw new ApiProblem(422, { status: 422, errors: [{ field: fieldName, code: 'document_size', message: t('ocase.document_too_large') }] });
  }
  return { filename: file.name, content_base64: await toBase64(file) };
}

/** Moves the API's errors about `filename`/`content_base64` onto the file field. */
export function onDocumentField(error, fieldName, prefix = '') {
  if (error instanceof ApiProblem && Array.isArray(error.problem.errors)) {
    for (const item of error.problem.errors) {
      if (item.field === `${prefix}filename` || item.field === `${prefix}content_base64`) item.field = fieldName;
    }
  }
  return error;
}

/** The accepted document types, for file inputs. */
export const DOCUMENT_ACCEPT = '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg';

function filingsTable(items) {
  const node = table(
    [
      { label: t('ofilings.col.number'), cell: (f) => link(`/officer/filings/${f.id}`, f.registration_number, { dataset: { link: 'filing' } }) },
      { label: t('ofilings.col.kind'), cell: (f) => t(`ofiling.kind.${f.kind}`) },
      {
        label: t('ofilings.col.case'),
        cell: (f) => (f.erdr_number ? link(`/officer/cases/${f.erdr_number}`, f.erdr_number) : h('span', { class: 'muted' }, t('ofilings.no_case'))),
      },
      { label: t('ofilings.col.addressee'), cell: (f) => (f.addressee ? t(`ofiling.addressee.${f.addressee}`) : '—') },
      { label: t('ofilings.col.state'), cell: (f) => stateBadge(f.state, f.open) },
      { label: t('ofilings.col.due'), cell: (f) => dueCell(f) },
    ],
    items.map((f) => ({ ...f, dataset: { id: String(f.id) } })),
    t('ofilings.caption'),
  );
  return node;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

export async function render({ query: routeQuery, navigate }) {
  const filters = {
    state: routeQuery.get('state') || 'open',
    kind: routeQuery.get('kind') || '',
    due_before: routeQuery.get('due_before') || '',
  };
  const filterForm = form({
    name: 'filter',
    submitLabel: t('ofilings.filter.apply'),
    fields: h(
      'div',
      { class: 'grid' },
      field({
        name: 'state',
        type: 'select',
        label: t('ofilings.filter.state'),
        value: filters.state,
        options: [{ value: 'open', label: t('ofilings.filter.open') }, ...FILING_STATES.map((s) => ({ value: s, label: t(`ofiling.state.${s}`) }))],
      }),
      field({
        name: 'kind',
        type: 'select',
        label: t('ofilings.filter.kind'),
        value: filters.kind,
        options: [{ value: '', label: t('ofilings.filter.any_kind') }, ...FILING_KINDS.map((k) => ({ value: k, label: t(`ofiling.kind.${k}`) }))],
      }),
      field({ name: 'due_before', type: 'date', label: t('ofilings.filter.due_before'), hint: t('ofilings.filter.due_before_hint'), value: filters.due_before }),
    ),
    async onSubmit(values) {
      navigate(`/officer/filings${query({ state: values.state === 'open' ? '' : values.state, kind: values.kind, due_before: values.due_before })}`);
    },
  });

  const apiQuery = (cursor) =>
    `/api/officer/filings${query({ state: filters.state, kind: filters.kind, due_before: filters.due_before, limit: String(PAGE_SIZE), cursor })}`;

  const results = h('div', { dataset: { section: 'filings' } });
  try {
    const list = await pagedList({
      async load(cursor) {
        const result = await api(apiQuery(cursor));
        return { items: result.filings, next: result.next_cursor };
      },
      draw: filingsTable,
      emptyKey: 'ofilings.empty',
    });
    results.append(list.node);
  } catch (error) {
    // A filter the API refuses is shown at the filter; anything else fails the screen.
    if (!(error instanceof ApiProblem && error.status === 422)) throw error;
    showProblem(filterForm, error);
  }

  return page(
    'ofilings.title',
    h('p', { class: 'lead' }, t('ofilings.lead')),
    section(t('ofilings.filter.title'), filterForm),
    section(t('ofilings.list'), results),
  );
}
