// The one way the client talks to the API: same-origin fetch with the session cookie, the
// CSRF token on unsafe requests, and every failure turned into an `ApiProblem` (RFC 9457).

const CSRF_KEY = 'jaria.csrf';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A failed request: the problem the API returned, or one made up for a network failure. */
export class ApiProblem extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** Field errors: `[{field, code, message}]`. */
  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

let unauthorizedHandler = null;
/** Called when the session is gone (401 on anything but sign-in). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function rememberCsrf(token) {
  try {
    if (token) localStorage.setItem(CSRF_KEY, token);
    else localStorage.removeItem(CSRF_KEY);
  } catch {
    // Without storage, unsafe requests fail with 403 and the person signs in again.
  }
}

function csrfToken() {
  try {
    return localStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

/** A fresh Idempotency-Key: one per user action, kept across retries of that action. */
export function idempotencyKey() {
  return crypto.randomUUID();
}

/**
 * `api('/api/cases')`, `api(path, { method: 'POST', json: {...} })`,
 * `api(path, { method: 'POST', body: file, contentType: file.type })`.
 * Resolves to parsed JSON (or null for 204); rejects with `ApiProblem`.
 */
export async function api(path, options = {}) {
  const method = (options.method || 'GET').toUpperCase();
  const headers = new Headers(options.headers || {});
  headers.set('accept', options.accept || 'application/json, application/problem+json');
  let body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body;
    if (options.contentType) headers.set('content-type', options.contentType);
  }
  if (UNSAFE.has(method)) {
    const token = csrfToken();
    if (token) headers.set('x-csrf-token', token);
  }
  if (options.idempotencyKey) headers.set('idempotency-key', options.idempotencyKey);

  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (error) {
    throw new ApiProblem(0, { type: 'about:blank', title: 'network', detail: String(error) });
  }
  if (response.ok) {
    if (options.raw) return response;
    if (response.status === 204) return null;
    const type = response.headers.get('content-type') || '';
    return type.includes('json') ? response.json() : response.text();
  }
  let problem;
  try {
    problem = await response.json();
  } catch {
    problem = { type: 'about:blank', title: response.statusText, status: response.status };
  }
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  const failure = new ApiProblem(response.status, problem, retryAfter);
  if (response.status === 401 && !options.signingIn && unauthorizedHandler) {
    unauthorizedHandler(failure);
  }
  throw failure;
}

/** Downloads a protected file (the cookie authorises it) and hands it to the browser. */
export async function download(path, fallbackName) {
  const response = await api(path, { raw: true, accept: '*/*' });
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') || '';
  const match = /filename\*=UTF-8''([^;]+)|filename="([^"]+)"/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] || match[2]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name || 'document';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
