// DOM helpers every view uses. Views build nodes with `h` (text is always set as text, never
// parsed as HTML), forms with `form`/`field`, and show API problems with `showProblem`.

import { t, has, formatDateTime } from './i18n.js';
import { api, ApiProblem } from './api.js';

/**
 * `h('button', { class: 'primary', type: 'button', onclick: fn, dataset: { action: 'x' } }, 'Text')`.
 * Props starting with `on` are listeners; `class`, `text`, `dataset`, boolean attributes and
 * `for` are handled; anything else becomes an attribute. Children may be strings, nodes,
 * arrays, null or false.
 */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    // The CSP refuses style attributes; classes in site.css are the only styling.
    if (key === 'style') throw new Error('h(): use a class, not a style attribute');
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      node.className = value;
    } else if (key === 'text') {
      node.textContent = value;
    } else if (key === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (key === 'value' && 'value' in node) {
      node.value = value;
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let idCounter = 0;
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A page: its heading (focused after navigation, for screen readers) and content. */
export function page(titleKey, ...content) {
  const title = t(titleKey);
  document.title = `${title} — Jaria`;
  return h('div', { class: 'page' }, h('h1', { tabindex: '-1', class: 'page-title' }, title), ...content);
}

/** A localised instant: the Almaty time, with the ISO value beside it and in `datetime`. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h(
    'span',
    { class: 'when' },
    h('time', { datetime: iso }, formatDateTime(iso)),
    ' ',
    h('span', { class: 'iso' }, iso),
  );
}

/** A labelled control with its hint and error slot, tied by `aria-describedby`. */
export function field(spec) {
  const id = uid(`f-${spec.name}`);
  const hintId = spec.hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ');
  const common = {
    id,
    name: spec.name,
    required: spec.required || false,
    'aria-describedby': describedBy,
    autocomplete: spec.autocomplete,
    dataset: spec.dataset,
  };
  let control;
  if (spec.type === 'select') {
    control = h(
      'select',
      common,
      (spec.options || []).map((option) =>
        h('option', { value: option.value, selected: option.value === spec.value }, option.label),
      ),
    );
  } else if (spec.type === 'textarea') {
    control = h('textarea', { ...common, rows: spec.rows || 5, maxlength: spec.maxlength }, spec.value || '');
  } else {
    control = h('input', {
      ...common,
      type: spec.type || 'text',
      value: spec.value,
      inputmode: spec.inputmode,
      pattern: spec.pattern,
      maxlength: spec.maxlength,
      minlength: spec.minlength,
      min: spec.min,
      max: spec.max,
      accept: spec.accept,
      multiple: spec.multiple || false,
      spellcheck: spec.spellcheck,
    });
  }
  return h(
    'div',
    { class: 'field', dataset: { field: spec.name } },
    h('label', { for: id }, spec.label, spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    spec.hint ? h('p', { class: 'hint', id: hintId }, spec.hint) : null,
    control,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

/** A group of radio buttons in a fieldset with a legend. */
export function radios(spec) {
  const errorId = uid(`f-${spec.name}`) + '-error';
  return h(
    'fieldset',
    { class: 'field radios', dataset: { field: spec.name }, 'aria-describedby': errorId },
    h('legend', {}, spec.label),
    spec.options.map((option) => {
      const id = uid(`r-${spec.name}`);
      return h(
        'div',
        { class: 'radio' },
        h('input', { type: 'radio', id, name: spec.name, value: option.value, checked: option.value === spec.value, required: spec.required || false }),
        h('label', { for: id }, option.label),
      );
    }),
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

/**
 * A form that submits through `onSubmit(values, formNode)`; while it runs the submit button is
 * busy; an `ApiProblem` is shown next to the fields it concerns and in a summary at the top.
 * Nothing typed is cleared on failure. `name` becomes `data-form` (a hook for tests).
 */
export function form({ name, fields, submitLabel, onSubmit, extra }) {
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary', dataset: { action: `${name}-submit` } }, submitLabel);
  const node = h('form', { class: 'form', dataset: { form: name }, novalidate: true }, summary, fields, extra || null, h('div', { class: 'actions' }, submit));
  node.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(node);
    if (!node.checkValidity()) {
      showLocalErrors(node);
      return;
    }
    await busy(submit, async () => {
      try {
        await onSubmit(values(node), node);
      } catch (error) {
        showProblem(node, error);
      }
    });
  });
  return node;
}

/** The form's values: text as trimmed strings, files as File arrays, checkboxes as booleans. */
export function values(formNode) {
  const result = {};
  for (const element of formNode.elements) {
    if (!element.name || element.disabled) continue;
    if (element.type === 'file') result[element.name] = Array.from(element.files || []);
    else if (element.type === 'checkbox') result[element.name] = element.checked;
    else if (element.type === 'radio') {
      if (element.checked) result[element.name] = element.value;
    } else if (element.type === 'password') result[element.name] = element.value;
    else result[element.name] = element.value.trim();
  }
  return result;
}

/** Runs `work` with the button disabled and marked busy. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * A button that does one thing: busy while `run` works (it gets the button), then the
 * announcement (a text, or a function of what `run` answered) and `then` (a reload, most
 * often); a problem is shown in `problemsIn` (a node, or a function giving one), or handed to
 * `onProblem` instead.
 */
export function actionButton(spec, ...label) {
  const { tone = 'secondary', action, dataset = {}, attributes = {}, disabled = false, problemsIn, run, announced, then, onProblem } = spec;
  return h(
    'button',
    {
      ...attributes,
      type: 'button',
      class: tone,
      disabled,
      dataset: { action, ...dataset },
      async onclick(event) {
        const button = event.currentTarget;
        await busy(button, async () => {
          try {
            const result = await run(button);
            if (announced) announce(typeof announced === 'function' ? announced(result) : announced);
            if (then) await then(result);
          } catch (error) {
            if (onProblem) onProblem(error);
            else showProblem(typeof problemsIn === 'function' ? problemsIn() : problemsIn, error);
          }
        });
      },
    },
    ...label,
  );
}

export function clearErrors(container) {
  for (const slot of container.querySelectorAll('.field-error')) {
    slot.hidden = true;
    slot.textContent = '';
  }
  for (const control of container.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  const summary = container.querySelector('.form-summary');
  if (summary) {
    summary.hidden = true;
    summary.textContent = '';
  }
}

function setFieldError(container, fieldName, message) {
  const wrapper = container.querySelector(`[data-field="${CSS.escape(fieldName)}"]`);
  // A field not shown now (the certificate file of a sign-in with a .p12 container) cannot
  // carry its message: it goes to the form's summary, where it is read.
  if (!wrapper || wrapper.hidden) return false;
  const slot = wrapper.querySelector('.field-error');
  slot.textContent = message;
  slot.hidden = false;
  for (const control of wrapper.querySelectorAll('input, select, textarea')) control.setAttribute('aria-invalid', 'true');
  return true;
}

/** The browser's own checks (required, pattern…), worded by our catalogue. */
function showLocalErrors(formNode) {
  const messages = [];
  for (const element of formNode.elements) {
    if (!element.name || element.validity.valid) continue;
    const code = element.validity.valueMissing ? 'required' : element.validity.patternMismatch ? 'pattern' : element.validity.tooShort ? 'too_short' : 'invalid';
    const message = t(`error.${code}`);
    if (setFieldError(formNode, element.name, message)) messages.push(message);
  }
  const summary = formNode.querySelector('.form-summary');
  summary.replaceChildren(h('p', {}, t('error.check_fields')));
  summary.hidden = false;
  const first = formNode.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

/** A field error in the reader's language: our words for its code, else the server's. */
export function fieldMessage(error) {
  const key = `error.${error.code}`;
  return has(key) ? t(key) : error.message || t('error.invalid');
}

/** The whole-problem message in the reader's language. */
export function problemMessage(error) {
  if (!(error instanceof ApiProblem)) return t('problem.unexpected');
  if (error.status === 0) return t('problem.network');
  if (error.status === 429 || error.status === 503) {
    const key = `problem.${error.status}`;
    return error.retryAfter ? `${t(key)} ${t('problem.retry_after', { seconds: error.retryAfter })}` : t(key);
  }
  const key = `problem.${error.status}`;
  return has(key) ? t(key) : error.problem.detail || error.problem.title || t('problem.unexpected');
}

/**
 * Shows an error in `container` (a form or a section): field errors next to their fields,
 * the rest in the container's summary (made if missing), focused so it is read out.
 */
export function showProblem(container, error) {
  if (!(error instanceof ApiProblem)) console.error(error);
  let summary = container.querySelector(':scope > .form-summary');
  if (!summary) {
    summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
    container.prepend(summary);
  }
  const loose = [];
  if (error instanceof ApiProblem) {
    for (const fieldError of error.errors) {
      const message = fieldMessage(fieldError);
      if (!setFieldError(container, fieldError.field, message)) loose.push(message);
    }
  }
  summary.replaceChildren(h('p', {}, problemMessage(error)));
  if (loose.length) summary.append(h('ul', {}, loose.map((m) => h('li', {}, m))));
  summary.hidden = false;
  summary.focus();
}

/** An error box for a whole view that failed to load. */
export function errorBox(error) {
  const box = h('div', { class: 'form-summary', role: 'alert' }, h('p', {}, problemMessage(error)));
  return box;
}

/** A short message read out by screen readers and shown briefly. */
export function announce(message) {
  const toast = document.getElementById('toast');
  if (!toast) return;
  toast.textContent = message;
  toast.classList.add('shown');
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => toast.classList.remove('shown'), 4000);
}

/** A labelled value list (`<dl>`). */
export function details(rows) {
  return h(
    'dl',
    { class: 'details' },
    rows.filter(Boolean).map(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]),
  );
}

/**
 * A table that becomes stacked cards on a phone: every cell repeats its column label in
 * `data-label` for the narrow layout, and holds its content in one block so the label and
 * the content stay side by side. A row's `dataset` becomes its `data-*`; a row with
 * `overdue: true` is tinted (its cells say so in words too).
 */
export function table(columns, rows, caption) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table' },
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            { dataset: row.dataset || {}, class: row.overdue ? 'is-overdue' : null },
            columns.map((c) => h('td', { dataset: { label: c.label } }, h('div', { class: 'cell' }, c.cell(row)))),
          ),
        ),
      ),
    ),
  );
}

/** An empty-state line. */
export function empty(key) {
  return h('p', { class: 'empty' }, t(key));
}

/** A coloured label for a state (`filing.state.submitted`, …). */
export function badge(text, tone) {
  return h('span', { class: `badge ${tone ? `badge-${tone}` : ''}` }, text);
}

/** A link to a route of the client. */
export function link(route, text, props = {}) {
  return h('a', { href: `#${route}`, ...props }, text);
}

/** A section with a heading of level 2. */
export function section(titleText, ...content) {
  const id = uid('s');
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, titleText), ...content);
}

const DRAFT_PREFIX = 'jaria.draft.';
/** Whose drafts the forms keep: the signed-in person's IIN (null: nobody's). */
let draftOwner = null;

/**
 * Sets whose drafts forms keep and restore. Drafts are kept per person, so a form never
 * restores what someone else typed in this tab; every other person's drafts are dropped (after
 * an expired session the same person gets theirs back, anyone else finds none).
 */
export function setDraftOwner(iin) {
  draftOwner = iin || null;
  if (draftOwner) clearDrafts(draftOwner);
}

/** Drops the drafts in this tab, all of them or all but `keepOwner`'s (on sign-out: all). */
export function clearDrafts(keepOwner = null) {
  try {
    const mine = keepOwner ? `${DRAFT_PREFIX}${keepOwner}.` : null;
    for (const key of Object.keys(sessionStorage)) {
      if (key.startsWith(DRAFT_PREFIX) && !(mine && key.startsWith(mine))) sessionStorage.removeItem(key);
    }
  } catch {
    // Storage off: there is nothing kept.
  }
}

function draftKey(key) {
  return draftOwner ? `${DRAFT_PREFIX}${draftOwner}.${key}` : null;
}

/**
 * Keeps what is typed in `formNode` in this tab's session storage (never passwords or files),
 * under the signed-in person, so a failed request, a reload or an expired session loses
 * nothing. `clearDraft` after success.
 */
export function keepDraft(formNode, key) {
  const storageKey = draftKey(key);
  if (!storageKey) return;
  try {
    const saved = JSON.parse(sessionStorage.getItem(storageKey) || 'null');
    if (saved) {
      for (const element of formNode.elements) {
        if (!element.name || !(element.name in saved)) continue;
        if (element.type === 'radio') element.checked = element.value === saved[element.name];
        else if (element.type === 'checkbox') element.checked = Boolean(saved[element.name]);
        else if (element.type !== 'file' && element.type !== 'password') element.value = saved[element.name];
      }
    }
  } catch {
    // A broken draft is dropped.
  }
  const save = () => {
    const draft = {};
    for (const element of formNode.elements) {
      if (!element.name || element.type === 'file' || element.type === 'password') continue;
      if (element.type === 'radio') {
        if (element.checked) draft[element.name] = element.value;
      } else if (element.type === 'checkbox') draft[element.name] = element.checked;
      else draft[element.name] = element.value;
    }
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(draft));
    } catch {
      // Storage full or off: the form still works, only the draft is not kept.
    }
  };
  formNode.addEventListener('input', save);
  formNode.addEventListener('change', save);
}

export function clearDraft(key) {
  const storageKey = draftKey(key);
  if (!storageKey) return;
  try {
    sessionStorage.removeItem(storageKey);
  } catch {
    // Nothing to clear.
  }
}

/** Reads a file as text (for PEM files picked by the person). */
export function readText(file) {
  return file.text();
}

/** Shows or hides a field wrapper; a hidden control is also disabled, so `values()` skips it. */
export function showField(wrapper, on) {
  if (!wrapper) return;
  wrapper.hidden = !on;
  for (const control of wrapper.querySelectorAll('input, select, textarea')) control.disabled = !on;
}

/**
 * A list that loads page by page: `load(cursor)` resolves to `{ items, next }`, `draw(items)`
 * renders all loaded items; a "Show more" button (`data-action="more"`) loads the next page
 * and keeps keyboard focus at the end of the list. The first page's failure is thrown.
 */
export async function pagedList({ load, draw, emptyKey }) {
  const holder = h('div', { class: 'paged', tabindex: '-1' });
  const items = [];
  let next = null;
  const more = h('button', { type: 'button', class: 'secondary', dataset: { action: 'more' } }, t('action.more'));
  const bar = h('div', { class: 'actions' }, more);
  const paint = () => {
    holder.replaceChildren(...[items.length ? draw(items) : h('p', { class: 'empty' }, t(emptyKey)), next ? bar : null].filter(Boolean));
  };
  more.addEventListener('click', async () => {
    await busy(more, async () => {
      try {
        const page = await load(next);
        const before = items.length;
        items.push(...page.items);
        next = page.next;
        paint();
        announce(t('list.loaded_more', { count: items.length - before }));
      } catch (error) {
        showProblem(holder, error);
      }
    });
    if (more.isConnected) more.focus();
    else holder.focus();
  });
  const first = await load(null);
  items.push(...first.items);
  next = first.next;
  paint();
  return { node: holder, items, repaint: paint };
}

/**
 * `pagedList` over one API list: `path` is fetched a page at a time (`size` items), `key` names
 * the array in each response. When the first page fails, its problem (`errorBox`) stands in
 * place of the list and `failed` holds the error.
 */
export async function apiList(path, key, { draw, emptyKey, size }) {
  try {
    return await pagedList({
      load: async (cursor) => {
        const result = await api(withPage(path, cursor, size));
        return { items: result[key] || [], next: result.next_cursor };
      },
      draw,
      emptyKey,
    });
  } catch (error) {
    return { node: errorBox(error), items: [], failed: error };
  }
}

/** Adds `?cursor=…&limit=…` to a path. */
export function withPage(path, cursor, limit = 20) {
  const params = new URLSearchParams();
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `${path}${path.includes('?') ? '&' : '?'}${params}`;
}

/**
 * A button that shows and hides `panel` (which must have an id), keeping `aria-expanded` in
 * step and focusing the first control matching `focus` inside the panel when it opens.
 */
export function disclosureButton({ label, tone = 'secondary', action, panel, focus }) {
  const button = h(
    'button',
    {
      type: 'button',
      class: tone,
      'aria-expanded': 'false',
      'aria-controls': panel.id,
      dataset: { action },
      onclick() {
        const open = panel.hidden;
        panel.hidden = !open;
        button.setAttribute('aria-expanded', String(open));
        const target = open && focus ? panel.querySelector(focus) : null;
        if (target) target.focus();
      },
    },
    label,
  );
  return button;
}
