// The shell: language, who is signed in, navigation by role, and the hash router that loads
// each screen's module on first use. Routes are `#/path`; a view module exports `render(ctx)`
// returning a node (or a promise of one).

import { api, onUnauthorized, rememberCsrf } from './api.js';
import { t, setLanguage, preferredLanguage, onLanguageChange, language } from './i18n.js';
import { h, errorBox, announce, setDraftOwner, clearDrafts } from './ui.js';


// Pattern → module and export; `who` says who may open it: 'anyone', 'signed-in',
// 'participant' (everyone signed in is a participant) or 'officer'.
const ROUTES = [
  { pattern: '/signin', module: './views/signin.js', who: 'anyone' },
  { pattern: '/check/:number', module: './views/check.js', who: 'anyone' },
  { pattern: '/account', module: './views/account.js', who: 'signed-in' },
  { pattern: '/cases', module: './views/participant/cases.js', who: 'participant' },
  { pattern: '/cases/request', module: './views/participant/access.js', who: 'participant' },
  { pattern: '/cases/:erdr', module: './views/participant/case.js', who: 'participant' },
  { pattern: '/file', module: './views/participant/file.js', who: 'participant' },
  { pattern: '/filings', module: './views/participant/filings.js', who: 'participant' },
  { pattern: '/filings/:id', module: './views/participant/filing.js', who: 'participant' },
  { pattern: '/notifications', module: './views/participant/notifications.js', who: 'participant' },
  { pattern: '/officer/queue', module: './views/officer/queue.js', who: 'officer' },
  { pattern: '/officer/cases', module: './views/officer/cases.js', who: 'officer' },
  { pattern: '/officer/cases/new', module: './views/officer/case-new.js', who: 'officer' },
  { pattern: '/officer/cases/:erdr', module: './views/officer/case.js', who: 'officer' },
  { pattern: '/officer/filings', module: './views/officer/filings.js', who: 'officer' },
  { pattern: '/officer/filings/:id', module: './views/officer/filing.js', who: 'officer' },
];

const state = { me: null, unread: 0 };

export function me() {
  return state.me;
}

export function isOfficer(person = state.me) {
  // Appointed now, as the server says (`acts_as_officer` in `me`).
  return Boolean(person && person.acts_as_officer);
}

export function navigate(route) {
  if (location.hash === `#${route}`) render();
  else location.hash = route;
}

function currentRoute() {
  const hash = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const [path, query = ''] = hash.split('?');
  return { path: path || '/', query: new URLSearchParams(query) };
}

function match(path) {
  for (const route of ROUTES) {
    const names = [];
    const regex = new RegExp(
      '^' + route.pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), '([^/]+)')) + '$',
    );
    const found = regex.exec(path);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, found[i + 1]]));
      return { route, params };
    }
  }
  return null;
}

/** Loads who is signed in; null when nobody is. */
export async function refreshMe() {
  try {
    state.me = await api('/api/auth/me', { signingIn: true });
  } catch (error) {
    if (error.status !== 401) throw error;
    state.me = null;
  }
  setDraftOwner(state.me && state.me.iin);
  renderChrome();
  return state.me;
}

/** Re-reads the unread count for the badge (participants). */
export async function refreshUnread() {
  if (!state.me) return;
  try {
    const result = await api('/api/status/notifications?unread=true&limit=1');
    state.unread = Number(result.unread_count) || 0;
  } catch {
    // The badge keeps its old value; the notifications page shows the error itself.
  }
  renderChrome();
}

export async function signedIn(result) {
  rememberCsrf(result.csrf_token);
  await refreshMe();
  await refreshUnread();
  const back = sessionStorage.getItem('jaria.after-signin');
  sessionStorage.removeItem('jaria.after-signin');
  navigate(back && back !== '/signin' ? back : home());
}

export async function signOut() {
  try {
    await api('/api/auth/logout', { method: 'POST' });
  } catch {
    // Signed out here whatever the server said; the cookie expires on its own.
  }
  rememberCsrf(null);
  state.me = null;
  state.unread = 0;
  // Leaving on purpose: nothing typed stays in the tab for the next person.
  clearDrafts();
  setDraftOwner(null);
  renderChrome();
  navigate('/signin');
}

function home() {
  if (!state.me) return '/signin';
  return isOfficer() ? '/officer/queue' : '/cases';
}

function navLink(route, key, extra) {
  const current = currentRoute().path;
  const active = current === route || current.startsWith(`${route}/`);
  return h('a', { href: `#${route}`, 'aria-current': active ? 'page' : false, dataset: { nav: route } }, t(key), extra || null);
}

function renderChrome() {
  document.getElementById('skip-link').textContent = t('nav.skip');
  document.getElementById('footer-text').textContent = t('footer.text');
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  document.getElementById('lang-label').textContent = t('nav.language');
  document.getElementById('lang').value = language();
  const account = document.getElementById('account');
  if (!state.me) {
    nav.replaceChildren();
    account.replaceChildren();
    return;
  }
  const links = [
    navLink('/cases', 'nav.cases'),
    navLink('/file', 'nav.file'),
    navLink('/filings', 'nav.filings'),
    navLink(
      '/notifications',
      'nav.notifications',
      state.unread > 0
        ? h('span', { class: 'count', dataset: { unread: String(state.unread) } }, ' ', h('span', { class: 'visually-hidden' }, t('nav.unread', { count: state.unread })), h('span', { 'aria-hidden': 'true' }, String(state.unread)))
        : null,
    ),
  ];
  if (isOfficer()) {
    links.unshift(navLink('/officer/queue', 'nav.queue'), navLink('/officer/cases', 'nav.officer_cases'), navLink('/officer/filings', 'nav.officer_filings'));
  }
  nav.replaceChildren(h('ul', {}, links.map((link) => h('li', {}, link))));
  account.replaceChildren(
    h('a', { href: '#/account', class: 'who', dataset: { nav: '/account' } }, state.me.full_name),
    h('button', { type: 'button', class: 'link-button', dataset: { action: 'sign-out' }, onclick: signOut }, t('nav.sign_out')),
  );
}

let renderCount = 0;
async function render() {
  const ticket = ++renderCount;
  const main = document.getElementById('main');
  const { path, query } = currentRoute();
  if (path === '/' || path === '') {
    navigate(home());
    return;
  }
  const found = match(path);
  if (!found) {
    main.replaceChildren(h('div', { class: 'page' }, h('h1', { tabindex: '-1' }, t('page.not_found')), h('p', {}, h('a', { href: `#${home()}` }, t('page.go_home')))));
    renderChrome();
    return;
  }
  const { route, params } = found;
  if (route.who !== 'anyone' && !state.me) {
    sessionStorage.setItem('jaria.after-signin', path);
    navigate('/signin');
    return;
  }
  if (route.who === 'officer' && !isOfficer()) {
    navigate(home());
    return;
  }
  renderChrome();
  main.setAttribute('aria-busy', 'true');
  try {
    const view = await import(route.module);
    const node = await view.render({ params, query, me: state.me, navigate, refreshUnread, refreshMe });
    if (ticket !== renderCount) return; // A newer navigation won.
    main.replaceChildren(node);
  } catch (error) {
    if (ticket !== renderCount) return;
    main.replaceChildren(h('div', { class: 'page' }, h('h1', { tabindex: '-1' }, t('page.error')), errorBox(error)));
  } finally {
    if (ticket === renderCount) main.removeAttribute('aria-busy');
  }
  const heading = main.querySelector('h1');
  if (heading && document.activeElement !== heading && !main.contains(document.activeElement)) heading.focus();
  window.scrollTo(0, 0);
}

/** Re-renders the current screen (after a change that it shows). */
export function reload() {
  return render();
}

async function start() {
  onUnauthorized(() => {
    if (!state.me) return;
    state.me = null;
    // Expired: the drafts stay for this person's next sign-in, and nobody else's form gets them.
    setDraftOwner(null);
    rememberCsrf(null);
    sessionStorage.setItem('jaria.after-signin', currentRoute().path);
    announce(t('session.expired'));
    navigate('/signin');
  });
  await setLanguage(preferredLanguage());
  document.getElementById('lang').addEventListener('change', async (event) => {
    await setLanguage(event.target.value);
  });
  // A language change re-renders everything; forms keep what was typed through their drafts.
  onLanguageChange(() => {
    document.getElementById('toast').classList.remove('shown');
    renderChrome();
    render();
  });
  try {
    await refreshMe();
    await refreshUnread();
  } catch (error) {
    document.getElementById('main').replaceChildren(errorBox(error));
  }
  window.addEventListener('hashchange', () => {
    render();
    if (state.me) refreshUnread();
  });
  await render();
  // The unread count is refreshed each minute while the page is visible.
  setInterval(() => {
    if (state.me && document.visibilityState === 'visible') refreshUnread();
  }, 60_000);
}

start();
