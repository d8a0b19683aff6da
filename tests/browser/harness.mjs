// What every journey needs: Chromium with the portal's CSP in force, people signing in with
// their demo keys, screenshots, an axe-core check per screen, and a watch on the console,
// uncaught errors and CSP violations (any of which fails the journey).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE_URL = process.env.JARIA_BASE_URL || 'http://127.0.0.1:3000';
export const DEMO_DIR = process.env.JARIA_DEMO_DIR || '.spin/demo';
export const SHOTS_DIR = process.env.JARIA_SHOTS_DIR || '../../target/browser-shots';
export const DEMO_ERDR = '267511031000001';
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };
const LOCALES = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.JARIA_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
}

/** One person's browser: its own cookies, language and screen size. */
export async function person(browser, journey, who, { lang = 'en', viewport = DESKTOP, ignoreHTTPSErrors = false } = {}) {
  // `ignoreHTTPSErrors`: for the NCALayer stand-in's self-signed certificate (the real one is
  // issued by a CA NCALayer installs).
  const context = await browser.newContext({ locale: LOCALES[lang], viewport, acceptDownloads: true, ignoreHTTPSErrors });
  const page = await context.newPage();
  const problems = [];
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Failed API answers (401 before sign-in, 4xx a step provokes) are logged by Chromium
    // as resource errors; they are checked by the journeys themselves.
    // So is the failed connection to NCALayer when a journey checks what happens without it.
    const expected = message.text().startsWith('Failed to load resource') || message.text().startsWith("WebSocket connection to 'wss://127.0.0.1:13579/' failed");
    if (message.type() === 'error' && !expected) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.setDefaultTimeout(15_000);
  let shot = 0;
  const actor = {
    who,
    lang,
    page,
    context,
    /** A full-page screenshot named after the journey, the person and the step. */
    async shot(name) {
      shot += 1;
      const file = join(SHOTS_DIR, `${journey}-${who}-${String(shot).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
    },
    /** axe-core on the current screen: no serious or critical violation (WCAG 2.1 A/AA). */
    async axe(name) {
      await page.evaluate(AXE_SOURCE);
      const result = await page.evaluate(() =>
        window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }),
      );
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      for (const v of result.violations) {
        if (!bad.includes(v)) console.log(`  axe (${v.impact}) ${name}: ${v.id} — ${v.help}`);
      }
      if (bad.length) {
        const lines = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join('\n    ')}`);
        throw new Error(`accessibility violations on ${name} (${lang}):\n  ${lines.join('\n  ')}`);
      }
      checks.axe += 1;
    },
    /** Opens a route of the client (`/cases`) and waits for its heading. */
    async open(route) {
      await page.goto(`${BASE_URL}/#${route}`);
      await settle(page);
    },
    /** Fails on anything the page logged or the CSP refused so far. */
    async clean() {
      const csp = await page.evaluate(() => window.__csp || []);
      const all = [...problems, ...csp.map((c) => `CSP violation: ${c}`)];
      if (all.length) throw new Error(`${who}: ${all.join('\n')}`);
    },
    async close() {
      await this.clean();
      await context.close();
    },
  };
  return actor;
}

/** Waits until the router has rendered a screen (no busy main, a heading present). */
export async function settle(page) {
  await page.waitForFunction(() => {
    const main = document.getElementById('main');
    return main && !main.hasAttribute('aria-busy') && main.querySelector('h1');
  });
}

/** Signs in with the demo key and certificate of `key` (victim, investigator, …). */
export async function signInWithEds(actor, key) {
  const { page } = actor;
  await page.goto(`${BASE_URL}/#/signin`);
  await page.waitForSelector('form[data-form="eds"]');
  await page.setInputFiles('form[data-form="eds"] input[name="key"]', join(DEMO_DIR, `${key}.key`));
  await page.setInputFiles('form[data-form="eds"] input[name="certificate"]', join(DEMO_DIR, `${key}.pem`));
  await page.click('[data-action="eds-submit"]');
  await page.waitForSelector('[data-action="sign-out"]');
  await settle(page);
}

/** Waits until the page is signed in (or shows why not, named in the failure) as `iin`. */
export async function expectSignedInAs(page, iin, { timeout } = {}) {
  await page.waitForSelector('[data-action="sign-out"], .form-summary:not([hidden]), .field-error:not([hidden])', { timeout });
  if (!(await page.isVisible('[data-action="sign-out"]'))) {
    const shown = await page.locator('.form-summary:not([hidden]), .field-error:not([hidden])').allTextContents();
    throw new Error(`not signed in: ${shown.join(' | ')}`);
  }
  await settle(page);
  const me = await page.evaluate(async (base) => (await fetch(`${base}/api/auth/me`, { credentials: 'same-origin' })).json(), BASE_URL);
  assert(me.iin === iin, `signed in as ${me.iin}, expected ${iin}`);
}

/** Opens the filing screen with a statement about an offence to the first organ, saying `text`. */
export async function startStatement(actor, text) {
  const { page } = actor;
  const form = 'form[data-form="filing"]';
  await actor.open('/file');
  await page.check(`${form} input[name="kind"][value="crime_report"]`);
  const organ = await page.locator(`${form} select[name="organ_id"] option:not([value=""])`).first().getAttribute('value');
  await page.selectOption(`${form} select[name="organ_id"]`, organ);
  await page.fill(`${form} [name="text"]`, text);
}

/** The id of the filing whose receipt the page shows (after it is sent). */
export async function receiptId(page, { timeout } = {}) {
  const receipt = page.locator('[data-section="receipt"][data-filing-id]');
  await receipt.waitFor({ timeout });
  return receipt.getAttribute('data-filing-id');
}

export const checks = { steps: 0, axe: 0 };

/** Runs one journey, naming its steps in the output. */
export async function journey(name, body) {
  const started = Date.now();
  console.log(`journey: ${name}`);
  const step = async (label, work) => {
    const t0 = Date.now();
    try {
      await work();
    } catch (error) {
      error.message = `${name} › ${label}: ${error.message}`;
      throw error;
    }
    checks.steps += 1;
    console.log(`  ok  ${label} (${Date.now() - t0} ms)`);
  };
  await body(step);
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}
