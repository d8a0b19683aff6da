// Message catalogues and per-language formatting. Every visible string comes from
// `locales/<lang>/<area>.json`. The three languages hold the same keys (tests/tests/web.rs
// checks it), so only the chosen language is fetched; an unknown key shows as itself.

export const LANGUAGES = ['kk', 'ru', 'en'];
const AREAS = ['common', 'participant', 'officer'];
const LOCALES = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };
const STORAGE_KEY = 'jaria.lang';
export const TIME_ZONE = 'Asia/Almaty';

let current = 'kk';
let messages = {};
const listeners = new Set();

async function loadCatalogue(lang) {
  const parts = await Promise.all(
    AREAS.map(async (area) => {
      const url = new URL(`../locales/${lang}/${area}.json`, import.meta.url);
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`catalogue ${lang}/${area}: ${response.status}`);
      return response.json();
    }),
  );
  return Object.assign({}, ...parts);
}

/** The language to start with: the one chosen before, else the browser's first we speak. */
export function preferredLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be off (private mode); the browser's languages still decide.
  }
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || '']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return 'kk';
}

export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = 'kk';
  messages = await loadCatalogue(lang);
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered across visits; nothing else depends on it.
  }
  for (const listener of listeners) listener(lang);
}

export function language() {
  return current;
}

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The message for `key`, with `{name}` placeholders filled from `params`. */
export function t(key, params) {
  let text = messages[key];
  if (text === undefined) return key;
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) =>
      params[name] === undefined || params[name] === null ? whole : String(params[name]),
    );
  }
  return text;
}

/** Whether the catalogue has `key` (to fall back to the server's own words otherwise). */
export function has(key) {
  return key in messages;
}

function locale() {
  return LOCALES[current] || 'kk-KZ';
}

const dateTimeFormats = new Map();
function dateTimeFormat(kind) {
  const cacheKey = `${current}:${kind}`;
  let format = dateTimeFormats.get(cacheKey);
  if (!format) {
    // Browsers' Kazakh date patterns vary (some ship none and print "2026 М11 29"), so Kazakh
    // uses the numeric day.month.year form that Kazakh documents use.
    const numeric = current === 'kk';
    const options = numeric
      ? { year: 'numeric', month: '2-digit', day: '2-digit', ...(kind === 'date' ? {} : { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }), timeZone: TIME_ZONE }
      : kind === 'date'
        ? { dateStyle: 'long', timeZone: TIME_ZONE }
        : { dateStyle: 'medium', timeStyle: 'short', timeZone: TIME_ZONE };
    format = new Intl.DateTimeFormat(numeric ? 'en-GB' : locale(), options);
    if (numeric) {
      const inner = format;
      format = {
        format(date) {
          const part = Object.fromEntries(inner.formatToParts(date).map((p) => [p.type, p.value]));
          const day = `${part.day}.${part.month}.${part.year}`;
          return part.hour === undefined ? day : `${day}, ${part.hour}:${part.minute}`;
        },
      };
    }
    dateTimeFormats.set(cacheKey, format);
  }
  return format;
}

/** An ISO instant as the reader's date and time in Almaty. */
export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return dateTimeFormat('datetime').format(date);
}

export function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return dateTimeFormat('date').format(date);
}

export function formatNumber(value) {
  return new Intl.NumberFormat(locale()).format(value);
}

export function formatBytes(bytes) {
  const units = ['B', 'KB', 'MB'];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : 1;
  const number = new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
  return `${number} ${t(`unit.${units[unit]}`)}`;
}
