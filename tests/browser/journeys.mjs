// End-to-end journeys of the browser client, run by `cargo test` (tests/tests/browser.rs)
// against a host seeded with the demo. Each step is named in the output; screenshots go to
// JARIA_SHOTS_DIR. Selectors are the client's test hooks (data-form, data-action, data-id,
// field names), never translated text, so every journey runs in any language.

import { launch, person, signInWithEds, journey, assert, checks, PHONE } from './harness.mjs';

const browser = await launch();
try {
  await journey('sign-in-and-account', async (step) => {
    const victim = await person(browser, 'account', 'victim', { lang: 'ru' });
    const { page } = victim;
    await step('the sign-in screen in the browser language, accessible', async () => {
      await victim.open('/signin');
      assert((await page.getAttribute('html', 'lang')) === 'ru', 'language from the browser');
      await victim.axe('sign-in');
      await victim.shot('sign-in');
    });
    await step('a wrong key file is refused next to its field, in Russian', async () => {
      await page.setInputFiles('form[data-form="eds"] input[name="key"]', { name: 'x.pem', mimeType: 'text/plain', buffer: Buffer.from('not a key') });
      await page.setInputFiles('form[data-form="eds"] input[name="certificate"]', { name: 'c.pem', mimeType: 'text/plain', buffer: Buffer.from('nope') });
      await page.click('[data-action="eds-submit"]');
      const error = page.locator('[data-field="key"] .field-error');
      await error.waitFor();
      assert(/PEM/.test(await error.textContent()) && /ключ/.test(await error.textContent()), 'a Russian message about the key');
      await victim.shot('bad-key');
    });
    await step('signs in with the demo EDS key; the key is never sent', async () => {
      const sent = [];
      page.on('request', (request) => sent.push(request.postData() || ''));
      await signInWithEds(victim, 'victim');
      assert(!sent.some((body) => body.includes('PRIVATE KEY')), 'the private key left the page');
    });
    await step('account: identity, sessions, accessible', async () => {
      await victim.open('/account');
      await page.waitForSelector('form[data-form="set-password"]');
      await victim.axe('account');
      await victim.shot('account');
    });
    await step('a too-short password is refused before sending; mismatched passwords too', async () => {
      await page.fill('form[data-form="set-password"] input[name="password"]', 'short');
      await page.fill('form[data-form="set-password"] input[name="confirm"]', 'short');
      await page.click('[data-action="set-password-submit"]');
      await page.locator('[data-field="password"] .field-error').waitFor();
      await page.fill('form[data-form="set-password"] input[name="password"]', 'correct horse battery');
      await page.fill('form[data-form="set-password"] input[name="confirm"]', 'correct horse batterY');
      await page.click('[data-action="set-password-submit"]');
      await page.locator('[data-field="confirm"] .field-error').waitFor();
    });
    await step('sets a password and signs in with IIN and password in Kazakh', async () => {
      await page.fill('form[data-form="set-password"] input[name="confirm"]', 'correct horse battery');
      await page.click('[data-action="set-password-submit"]');
      await page.waitForFunction(() => document.getElementById('toast').classList.contains('shown'));
      await page.click('[data-action="sign-out"]');
      await page.waitForSelector('form[data-form="eds"]');
      await page.selectOption('#lang', 'kk');
      await page.waitForFunction(() => document.documentElement.lang === 'kk');
      await page.click('[data-action="tab-password"]');
      await page.fill('form[data-form="password-signin"] input[name="iin"]', '850722300011');
      await page.fill('form[data-form="password-signin"] input[name="password"]', 'wrong password!');
      await page.click('[data-action="password-signin-submit"]');
      const error = page.locator('form[data-form="password-signin"] [data-field="password"] .field-error');
      await error.waitFor();
      assert(/ЖСН/.test(await error.textContent()), `a Kazakh error, got ${await error.textContent()}`);
      await victim.shot('wrong-password-kk');
      await page.fill('form[data-form="password-signin"] input[name="password"]', 'correct horse battery');
      await page.click('[data-action="password-signin-submit"]');
      await page.waitForSelector('[data-action="sign-out"]');
    });
    await step('the account on a phone, in Kazakh', async () => {
      await page.setViewportSize(PHONE);
      await victim.open('/account');
      await page.waitForSelector('form[data-form="set-password"] input[name="current_password"]');
      await victim.axe('account-phone-kk');
      await victim.shot('account-phone-kk');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    });
    await victim.close();
  });
} finally {
  await browser.close();
}
console.log(`browser journeys passed: ${checks.steps} steps, ${checks.axe} accessibility checks`);
