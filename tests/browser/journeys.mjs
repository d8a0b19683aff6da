// End-to-end journeys of the browser client, run by `cargo test` (tests/tests/browser.rs)
// against a host seeded with the demo. Each step is named in the output; screenshots go to
// JARIA_SHOTS_DIR. Selectors are the client's test hooks (data-form, data-action, data-id,
// field names), never translated text, so every journey runs in any language.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, person, signInWithEds, journey, assert, checks, settle, expectSignedInAs, startStatement, receiptId, PHONE, DESKTOP, DEMO_ERDR, BASE_URL } from './harness.mjs';
import { startNcaLayer } from './ncalayer-standin.mjs';

// A minimal PDF: the portal checks attachments by their content, not their name.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const SUSPECT_IIN = '920412400018';
/** Not in the demo: a person the officer records who never signs in. */
const WITNESS_IIN = '900101300057';

/** On a phone an announcement takes its own line above the page, so it covers nothing. */
async function toastHidesNothing(page) {
  const covers = await page.evaluate(() => {
    const toast = document.getElementById('toast').getBoundingClientRect();
    const main = document.querySelector('main').getBoundingClientRect();
    return toast.height > 0 && toast.bottom > main.top && toast.top < main.bottom;
  });
  assert(!covers, 'on a phone the announcement covers the page');
}

/**
 * The journey: a participant asks for a status in the demo case, the investigator
 * confirms it, the participant sees the case, files a petition with an attachment, the
 * investigator answers, and the participant reads the answer and the notification.
 */
async function statusToAnswer(browser, { name, lang, viewport, who, status, represented, basis }) {
  await journey(name, async (step) => {
    const participant = await person(browser, name, who, { lang, viewport });
    const officer = await person(browser, name, 'investigator', { lang, viewport });
    const p = participant.page;
    const o = officer.page;
    let requestId;
    let filingId;

    await step(`${who} signs in with EDS in ${lang}`, async () => {
      await signInWithEds(participant, who);
      assert((await p.getAttribute('html', 'lang')) === lang, `the page speaks ${lang}`);
      await participant.axe('my-cases-empty');
      await participant.shot('signed-in');
    });
    await step('asks for a procedural status in the demo case', async () => {
      await participant.open('/cases/request');
      const form = 'form[data-form="access-request"]';
      await p.fill(`${form} [name="erdr_number"]`, DEMO_ERDR);
      await p.selectOption(`${form} [name="procedural_status"]`, status);
      if (represented) await p.fill(`${form} [name="represented_iin"]`, represented);
      if (basis) await p.fill(`${form} [name="basis"]`, basis);
      await participant.axe('access-request');
      await p.click('[data-action="access-request-submit"]');
      const done = p.locator('.success[data-request-id]');
      await done.waitFor();
      requestId = await done.getAttribute('data-request-id');
      await p.waitForFunction(() => document.getElementById('toast').classList.contains('shown'));
      if (viewport === PHONE) await toastHidesNothing(p);
      await participant.shot('access-requested');
    });
    await step('the case stays closed until the officer confirms', async () => {
      await participant.open(`/cases/${DEMO_ERDR}`);
      await p.waitForSelector('[data-state="not-found"]');
    });
    await step('the investigator confirms the request from the queue', async () => {
      await signInWithEds(officer, 'investigator');
      await officer.open('/officer/queue');
      const row = `tr[data-kind="access_request"][data-id="${requestId}"]`;
      await o.waitForSelector(row);
      await officer.axe('queue');
      await officer.shot('queue');
      await o.click(`${row} [data-action="confirm"]`);
      await o.waitForSelector(row, { state: 'detached' });
    });
    await step(`${who} sees the case: card, decisions, materials, access log`, async () => {
      await participant.open('/cases');
      await p.waitForSelector(`tr[data-erdr="${DEMO_ERDR}"]`);
      await participant.open(`/cases/${DEMO_ERDR}`);
      for (const part of ['card', 'rights', 'decisions', 'materials', 'access-log']) {
        await p.waitForSelector(`[data-section="${part}"]`);
      }
      await p.waitForSelector('[data-section="card"] [data-term]');
      await p.waitForSelector('[data-section="card"] [data-contact="official"]');
      // My rights, in the page's language, for the status I hold.
      const rights = await p.textContent(`[data-section="rights"] [data-status="${status}"]`);
      assert(rights && rights.length > 80, `the rights of a ${status} are said: ${rights}`);
      if (viewport === PHONE) await toastHidesNothing(p);
      await participant.axe('case');
      await participant.shot('case');
    });
    await step('files a petition with an attachment; a failed send keeps what was typed', async () => {
      await participant.open('/file');
      const form = 'form[data-form="filing"]';
      await p.check(`${form} input[name="kind"][value="petition"]`);
      await p.waitForSelector(`${form} select[name="erdr_number"] option[value="${DEMO_ERDR}"]`, { state: 'attached' });
      await p.selectOption(`${form} select[name="erdr_number"]`, DEMO_ERDR);
      const text = `Прошу приобщить к делу документ (${name}).`;
      await p.fill(`${form} [name="text"]`, text);
      await p.setInputFiles(`${form} input[name="attachments"]`, { name: 'evidence.pdf', mimeType: 'application/pdf', buffer: PDF });
      await participant.axe('file');
      await participant.context.setOffline(true);
      await p.click('[data-action="filing-submit"]');
      await p.waitForSelector(`${form} .form-summary:not([hidden])`);
      assert((await p.inputValue(`${form} [name="text"]`)) === text, 'the text survived the failed send');
      await participant.shot('offline');
      await participant.context.setOffline(false);
      await p.click('[data-action="filing-submit"]');
      const receipt = p.locator('[data-section="receipt"][data-filing-id]');
      await receipt.waitFor();
      filingId = await receipt.getAttribute('data-filing-id');
      await participant.axe('receipt');
      await participant.shot('receipt');
      const number = (await p.textContent('[data-section="receipt"] [data-field="registration_number"]')).trim();
      const [printable] = await Promise.all([
        p.waitForEvent('popup'),
        p.click('[data-section="receipt"] [data-action="open-receipt"]'),
      ]);
      // The window opens blank and is then pointed at the fetched receipt.
      await printable.waitForFunction((n) => Boolean(document.body && document.body.textContent.includes(n)), number);
      assert((await printable.getAttribute('html', 'lang')) === lang, `the receipt speaks ${lang}`);
      const checkUrl = await printable.getAttribute('a[href*="#/check/"]', 'href');
      assert(await printable.locator('svg[role="img"]').count() === 1, 'the receipt carries its QR code');
      await printable.close();
      // Whoever holds the paper opens its check page without signing in.
      const holder = await person(browser, name, 'receipt-holder', { lang, viewport });
      await holder.page.goto(checkUrl);
      await holder.page.waitForSelector('[data-check="receipt"] [data-check="valid"]');
      const shown = await holder.page.textContent('[data-check="receipt"]');
      assert(shown.includes(number), `the check page names ${number}`);
      const overflows = await holder.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert(!overflows, 'the check page fits the screen');
      await holder.axe('receipt-check');
      await holder.shot('receipt-check');
      await holder.close();
    });
    await step('the filing is listed with its due date, once', async () => {
      await participant.open('/filings');
      await p.waitForSelector(`tr[data-id="${filingId}"]`);
      const rows = await p.locator('[data-section="filings"] tr[data-id]').count();
      assert(rows === 1, `one filing, found ${rows}`);
      await participant.axe('filings');
    });
    await step('the investigator reviews and answers it', async () => {
      await officer.open(`/officer/filings/${filingId}`);
      await o.waitForSelector('form[data-form="answer"]');
      if (await o.locator('[data-action="review"]').count()) {
        await o.click('[data-action="review"]');
        await o.waitForSelector('[data-action="review"]', { state: 'detached' });
      }
      await officer.axe('officer-filing');
      const outcome = o.locator('form[data-form="answer"] input[name="outcome"]').first();
      await outcome.check();
      await o.fill('form[data-form="answer"] [name="reasoning"]', `The document is added to the case file (${name}).`);
      await o.setInputFiles('form[data-form="answer"] input[name="document"]', { name: 'answer.pdf', mimeType: 'application/pdf', buffer: PDF });
      // The demo investigator's key is an elliptic-curve one, which only NCALayer signs with.
      await o.check('form[data-form="answer"] input[name="sign_with"][value="none"]');
      await o.click('[data-action="answer-submit"]');
      await o.waitForSelector('[data-section="answer"]');
      await officer.shot('answered');
    });
    await step("the officer's cases, case page and filings, accessible", async () => {
      await officer.open('/officer/cases');
      await o.waitForSelector(`[data-section="cases"] tr[data-erdr="${DEMO_ERDR}"]`);
      await officer.axe('officer-cases');
      await officer.open(`/officer/cases/${DEMO_ERDR}`);
      await o.waitForSelector('[data-section="participants"] tr[data-id]');
      await o.waitForSelector('[data-section="decisions"]');
      const grant = o.locator('[data-section="participants"] [data-action="grant"]').first();
      await grant.click();
      await o.waitForSelector('form[data-form="familiarisation"]:not([hidden])');
      assert((await grant.getAttribute('aria-expanded')) === 'true', 'the grant button says its form is open');
      await officer.axe('officer-case');
      await officer.shot('officer-case');
      await officer.open('/officer/filings');
      await o.waitForSelector('[data-section="filings"]');
      await officer.axe('officer-filings');
    });
    await step(`${who} sees the notification and the answer`, async () => {
      await participant.open('/notifications');
      await p.waitForSelector('[data-unread]');
      await p.waitForSelector('[data-section="notifications"] .notice.unread');
      await participant.axe('notifications');
      await participant.shot('notifications');
      await participant.open(`/filings/${filingId}`);
      await p.waitForSelector('[data-section="answer"]');
      await p.waitForSelector('[data-section="timeline"] li[data-event]');
      await participant.axe('answer');
      await participant.shot('answer');
      await participant.open('/notifications');
      await p.click('[data-action="read-all"]');
      await p.waitForSelector('[data-section="notifications"] .notice.unread', { state: 'detached' });
      await p.waitForSelector('nav [data-unread]', { state: 'detached' });
    });
    await step('no page is wider than the screen', async () => {
      for (const actor of [participant, officer]) {
        const overflow = await actor.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 0, `${actor.who}'s page is ${overflow}px wider than the screen`);
      }
    });
    await participant.close();
    await officer.close();
  });
}

/**
 * The register's way round: the investigator records a person who never signs in (a witness
 * with the right to defence, on the basis of an order), ends that status, and sees who each
 * decision reached and when (proof of service).
 */
async function officerRecordsParticipants(browser) {
  await journey('officer-records-participants', async (step) => {
    const officer = await person(browser, 'officer-records', 'investigator', { lang: 'ru', viewport: DESKTOP });
    const o = officer.page;
    const form = 'form[data-form="record-participant"]';
    let rowId;
    await step('records a witness with the right to defence from an order', async () => {
      await signInWithEds(officer, 'investigator');
      await officer.open(`/officer/cases/${DEMO_ERDR}`);
      await o.waitForSelector(form);
      await o.selectOption(`${form} [name="procedural_status"]`, 'defender');
      assert(await o.isVisible(`${form} [name="represented_iin"]`), 'a defender names whom they defend');
      await o.click('[data-action="record-participant-submit"]');
      await o.waitForSelector(`${form} [data-field="iin"] .field-error:not([hidden])`);
      await o.selectOption(`${form} [name="procedural_status"]`, 'witness_with_defence');
      assert(!(await o.isVisible(`${form} [name="represented_iin"]`)), 'a witness acts for nobody');
      await o.fill(`${form} [name="iin"]`, WITNESS_IIN);
      await o.fill(`${form} [name="full_name"]`, 'Сапаров Ерлан Маратович');
      await o.fill(`${form} [name="basis.document"]`, 'Постановление о признании свидетелем, имеющим право на защиту');
      await officer.axe('record-participant');
      await o.click('[data-action="record-participant-submit"]');
      const row = o.locator(`[data-section="participants"] tr[data-state="confirmed"]:has-text("${WITNESS_IIN}")`);
      await row.waitFor();
      rowId = await row.getAttribute('data-id');
      await officer.shot('participant-recorded');
    });
    await step('ends that status; the row stays, ended', async () => {
      const row = `[data-section="participants"] tr[data-id="${rowId}"]`;
      await o.click(`${row} [data-action="end-status"]`);
      await o.fill(`${row} form[data-form="end-status"] [name="reason"]`, 'Постановление об отмене признания');
      await officer.axe('end-status');
      await o.click(`${row} [data-action="end-status-submit"]`);
      await o.waitForSelector(`[data-section="participants"] tr[data-id="${rowId}"][data-state="revoked"]`);
    });
    await step('finds that status was recorded for the wrong person and marks it so', async () => {
      const row = `[data-section="participants"] tr[data-id="${rowId}"]`;
      await o.click(`${row} [data-action="mark-in-error"]`);
      await o.fill(`${row} form[data-form="entered-in-error"] [name="reason"]`, 'Записан не тот человек');
      await officer.axe('entered-in-error');
      await o.click(`${row} [data-action="entered-in-error-submit"]`);
      await o.waitForSelector(`[data-section="participants"] tr[data-id="${rowId}"][data-in-error="true"]`);
      await officer.shot('entered-in-error');
    });
    await step('sees who each decision reached and when they opened it', async () => {
      const decisionForm = 'form[data-form="decision"]';
      await o.selectOption(`${decisionForm} [name="type"]`, 'extension_of_investigation_period');
      await o.fill(`${decisionForm} [name="extended_until"]`, '2027-06-30');
      await o.fill(`${decisionForm} [name="title"]`, 'Постановление о продлении срока досудебного расследования');
      await o.setInputFiles(`${decisionForm} input[name="document"]`, { name: 'extension.pdf', mimeType: 'application/pdf', buffer: PDF });
      // The demo investigator's key is an elliptic-curve one, which only NCALayer signs with.
      await o.check(`${decisionForm} input[name="sign_with"][value="none"]`);
      await o.click('[data-action="decision-submit"]');
      await o.waitForSelector('[data-section="decisions"] tr[data-id]');
      // The extension moves the period the card shows (art. 192).
      const period = await o.textContent('[data-term="running"]');
      assert(/30\.06\.2027|2027/.test(period), `the card shows the extended period: ${period}`);
      const decision = o.locator('[data-section="decisions"] tr[data-id]').first();
      await decision.locator('[data-action="service"]').click();
      await decision.locator('.service:not([hidden])').waitFor();
      assert((await decision.locator('[data-action="service"]').getAttribute('aria-expanded')) === 'true', 'the button says the list is open');
      await officer.axe('proof-of-service');
      await officer.shot('proof-of-service');
    });
    await officer.close();
  });
}

/**
 * The court loop (arts. 106–107): the victim complains to the investigating judge; the
 * investigator forwards it and records, from the court's papers, its receipt (for a closed
 * hearing) and the judge's order; the victim sees the judge's period and the appeal's, in
 * English on a desktop.
 */
async function courtLoop(browser) {
  await journey('court-loop', async (step) => {
    const victim = await person(browser, 'court-loop', 'victim', { lang: 'en', viewport: DESKTOP });
    const officer = await person(browser, 'court-loop', 'investigator', { lang: 'ru', viewport: DESKTOP });
    const prosecutor = await person(browser, 'court-loop', 'prosecutor', { lang: 'kk', viewport: DESKTOP });
    const p = victim.page;
    const o = officer.page;
    const r = prosecutor.page;
    let id;
    await step('the victim complains to the investigating judge', async () => {
      await signInWithEds(victim, 'victim');
      await victim.open('/file');
      const form = 'form[data-form="filing"]';
      await p.check(`${form} input[name="kind"][value="complaint"]`);
      await p.waitForSelector(`${form} select[name="erdr_number"] option[value="${DEMO_ERDR}"]`, { state: 'attached' });
      await p.selectOption(`${form} select[name="erdr_number"]`, DEMO_ERDR);
      await p.selectOption(`${form} select[name="addressee"]`, 'investigating_judge');
      await p.fill(`${form} [name="text"]`, 'The search of my flat was carried out without a warrant.');
      await p.click('[data-action="filing-submit"]');
      id = await receiptId(p);
    });
    await step('the investigator forwards it, and records nothing of the court about their own act', async () => {
      await signInWithEds(officer, 'investigator');
      await officer.open(`/officer/filings/${id}`);
      await o.waitForSelector('form[data-form="answer"]');
      await o.check('form[data-form="answer"] input[name="outcome"][value="forwarded"]');
      await o.fill('form[data-form="answer"] [name="forwarded_to"]', 'Следственный судья районного суда № 2 г. Алматы');
      await o.fill('form[data-form="answer"] [name="reasoning"]', 'Жалоба направлена следственному судье с материалами.');
      const unsigned = o.locator('form[data-form="answer"] input[name="sign_with"][value="none"]');
      if (await unsigned.isVisible()) await unsigned.check();
      await o.click('[data-action="answer-submit"]');
      await o.waitForSelector('[data-section="answer"]');
      assert((await o.locator('form[data-form="court-received"]').count()) === 0, 'the challenged official gets no court form');
    });
    await step("the supervising prosecutor records the court's acts from its papers", async () => {
      await signInWithEds(prosecutor, 'prosecutor');
      await prosecutor.open(`/officer/filings/${id}`);
      await r.waitForSelector('form[data-form="court-received"]');
      await r.check('form[data-form="court-received"] input[name="hearing"]');
      await prosecutor.axe('court-received');
      await r.click('form[data-form="court-received"] [type="submit"]');
      await r.waitForSelector('form[data-form="court-decided"]');
      await r.check('form[data-form="court-decided"] input[name="outcome"][value="rejected"]');
      await r.click('form[data-form="court-decided"] [type="submit"]');
      await r.waitForSelector('[data-section="court"] dl');
      await r.waitForSelector('form[data-form="court-decided"]', { state: 'detached' });
      await prosecutor.shot('court-recorded');
    });
    await step("the victim sees the judge's period and until when to appeal", async () => {
      await victim.open(`/filings/${id}`);
      await p.waitForSelector('[data-section="court-record"] [data-state="appeal-open"]');
      await p.waitForSelector('[data-section="timeline"] li[data-event="court_decided"]');
      const said = await p.textContent('[data-section="court-record"]');
      assert(/10 days/.test(said), `the closed hearing's 10 days are said: ${said}`);
      await victim.axe('court-record');
      await victim.shot('court-record');
    });
    await step('the supervising prosecutor annuls a decision the victim holds; the victim sees it marked and is told', async () => {
      await victim.open(`/cases/${DEMO_ERDR}`);
      const held = p.locator('[data-section="decisions"] tr[data-id]').last();
      await held.waitFor();
      const decisionId = await held.getAttribute('data-id');
      await prosecutor.open(`/officer/cases/${DEMO_ERDR}`);
      const form = 'form[data-form="decision"]';
      await r.selectOption(`${form} select[name="amends"]`, `annuls:${decisionId}`);
      assert(!(await r.isVisible(`${form} select[name="type"]`)), 'an annulment is of the type of the decision it annuls');
      await r.fill(`${form} [name="title"]`, 'Күшін жою туралы қаулы');
      await r.setInputFiles(`${form} input[name="document"]`, { name: 'annulment.pdf', mimeType: 'application/pdf', buffer: PDF });
      const unsigned = r.locator(`${form} input[name="sign_with"][value="none"]`);
      if (await unsigned.isVisible()) await unsigned.check();
      await prosecutor.axe('decision-annul');
      await r.click('[data-action="decision-submit"]');
      await r.waitForSelector(`[data-section="decisions"] tr[data-id="${decisionId}"] [data-amendment="note"]`);
      await victim.open('/cases'); // the same address again would not load the case anew
      await victim.open(`/cases/${DEMO_ERDR}`);
      await p.waitForSelector(`[data-section="decisions"] tr[data-id="${decisionId}"] [data-amended-by="annuls"]`);
      await victim.axe('decision-annulled');
      await victim.shot('decision-annulled');
      await victim.open('/notifications');
      await p.waitForSelector('[data-kind="decision_annulled"]');
    });
    await victim.close();
    await officer.close();
    await prosecutor.close();
  });
}

/**
 * What was served stays: the investigator ends the demo suspect's status (their defender's
 * access ends with it); the suspect, on a phone in Kazakh, still finds the case, marked ended,
 * with the decisions served to them, and nothing to file or complain in it.
 */
async function servedStaysAfterTheEnd(browser) {
  await journey('served-stays-after-the-end', async (step) => {
    const officer = await person(browser, 'served-stays', 'investigator', { lang: 'ru', viewport: DESKTOP });
    const suspect = await person(browser, 'served-stays', 'suspect', { lang: 'kk', viewport: PHONE });
    const o = officer.page;
    const p = suspect.page;
    let served = 0;
    await step('the suspect sees the decisions their status receives', async () => {
      await signInWithEds(suspect, 'suspect');
      await suspect.open(`/cases/${DEMO_ERDR}`);
      await p.waitForSelector('[data-section="decisions"] tr[data-id]');
      served = await p.locator('[data-section="decisions"] tr[data-id]').count();
    });
    await step("the investigator ends the suspect's status", async () => {
      await signInWithEds(officer, 'investigator');
      await officer.open(`/officer/cases/${DEMO_ERDR}`);
      const row = o.locator(`[data-section="participants"] tr[data-state="confirmed"][data-status="suspect"]:has-text("${SUSPECT_IIN}")`);
      const rowId = await row.getAttribute('data-id');
      const selector = `[data-section="participants"] tr[data-id="${rowId}"]`;
      await o.click(`${selector} [data-action="end-status"]`);
      await o.fill(`${selector} form[data-form="end-status"] [name="reason"]`, 'Постановление о прекращении уголовного преследования');
      await o.click(`${selector} [data-action="end-status-submit"]`);
      await o.waitForSelector(`${selector}[data-state="revoked"]`);
    });
    await step('the suspect keeps what was served, read-only, and sees nothing new', async () => {
      await suspect.open('/cases');
      await p.waitForSelector(`tr[data-erdr="${DEMO_ERDR}"] [data-ended="true"]`);
      await suspect.open(`/cases/${DEMO_ERDR}`);
      await p.waitForSelector('[data-state="ended"]');
      const said = await p.locator('[data-section="card"] [data-ended="true"]').first().textContent();
      assert(!said.includes('[object') && /\d/.test(said), `the ended status says its date: ${said}`);
      await p.waitForSelector('[data-section="decisions"] tr[data-id]');
      const kept = await p.locator('[data-section="decisions"] tr[data-id]').count();
      assert(kept === served, `${served} decisions were served, ${kept} stayed`);
      assert((await p.locator('[data-action="file-petition"], [data-action="complain"]').count()) === 0, 'nothing to file in an ended status');
      await suspect.axe('case-ended-phone-kk');
      await suspect.shot('case-ended');
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    });
    await step('no longer a party, they still complain as a person the act affects (art. 100)', async () => {
      await suspect.open('/file');
      const form = 'form[data-form="filing"]';
      await p.check(`${form} input[name="kind"][value="complaint"]`);
      await p.check(`${form} input[name="affected_person"]`);
      assert(!(await p.isVisible(`${form} select[name="erdr_number"]`)), 'no case of theirs to choose');
      assert(!(await p.isVisible(`${form} select[name="challenged_decision_id"]`)), 'no decision to name');
      await p.fill(`${form} [name="affected_erdr_number"]`, DEMO_ERDR);
      await p.selectOption(`${form} select[name="addressee"]`, 'head_of_unit');
      await p.fill(`${form} [name="text"]`, 'Тінту кезінде алынған көлік маған тиесілі, оны қайтаруды сұраймын.');
      await suspect.axe('file-as-affected-person-kk');
      await p.click('[data-action="filing-submit"]');
      const id = await receiptId(p);
      await suspect.open(`/filings/${id}`);
      await p.waitForSelector('[data-standing="affected"]');
      assert((await p.locator(`a[href="/cases/${DEMO_ERDR}"]`).count()) === 0, 'the case it names is not linked: it is not theirs');
      await suspect.shot('filed-as-affected-person');
    });
    await officer.close();
    await suspect.close();
  });
}

/**
 * EDS as people hold it: a password-protected .p12 opened in the page (the national CA's
 * legacy encryption and today's), and NCALayer (here its stand-in) — absent, cancelled, the
 * wrong key, and the right one. Nothing but a certificate chain and a signature leaves the page.
 */
async function edsAsPeopleHoldIt(browser) {
  const kitDir = process.env.JARIA_EDS_KIT;
  assert(kitDir, 'JARIA_EDS_KIT names the EDS kit (tests/tests/browser.rs makes it)');
  const kit = JSON.parse(readFileSync(join(kitDir, 'kit.json'), 'utf8'));
  const file = (name) => join(kitDir, name);
  await journey('eds-p12-and-ncalayer', async (step) => {
    const citizen = await person(browser, 'eds', 'p12-holder', { lang: 'ru', ignoreHTTPSErrors: true });
    const page = citizen.page;
    const sent = [];
    page.on('request', (request) => sent.push(request.postData() || ''));
    const form = 'form[data-form="eds"]';
    const signOut = async () => {
      await page.click('[data-action="sign-out"]');
      await page.waitForSelector(form);
    };

    await step('a legacy .p12 asks for its password; a wrong one is refused in Russian', async () => {
      await citizen.open('/signin');
      await page.setInputFiles(`${form} input[name="key"]`, file('legacy.p12'));
      await page.waitForSelector(`${form} input[name="password"]:not([disabled])`);
      assert(!(await page.isVisible(`${form} input[name="certificate"]`)), 'a container needs no certificate file');
      await page.fill(`${form} input[name="password"]`, 'Wrong1234');
      await citizen.axe('p12-password');
      await page.click('[data-action="eds-submit"]');
      const error = page.locator(`${form} [data-field="password"] .field-error:not([hidden])`);
      await error.waitFor();
      assert(/[Пп]ароль/.test(await error.textContent()), `a Russian message about the password, got ${await error.textContent()}`);
      await citizen.shot('p12-wrong-password');
    });
    await step('the right password signs in; the key and the password never leave the page', async () => {
      await page.fill(`${form} input[name="password"]`, kit.password);
      await page.click('[data-action="eds-submit"]');
      await expectSignedInAs(page, kit.iin);
      assert(!sent.some((body) => body.includes(kit.password) || body.includes('PRIVATE KEY') || body.includes('Wrong1234')), 'a key or a password left the page');
      assert(sent.some((body) => body.includes('"signature"') && body.includes('BEGIN CERTIFICATE')), 'the chain and the signature were sent');
      await signOut();
    });
    await step('a .p12 with modern encryption (PBES2, AES-256) signs in too, in Kazakh', async () => {
      await page.selectOption('#lang', 'kk');
      await page.waitForFunction(() => document.documentElement.lang === 'kk');
      // The language change re-renders the screen: wait for it before touching the form.
      await settle(page);
      await page.setInputFiles(`${form} input[name="key"]`, file('modern.p12'));
      await page.fill(`${form} input[name="password"]`, kit.password);
      await page.click('[data-action="eds-submit"]');
      await expectSignedInAs(page, kit.iin);
      await signOut();
      await page.selectOption('#lang', 'ru');
      await page.waitForFunction(() => document.documentElement.lang === 'ru');
      // The language change re-renders the screen: wait for it before touching the form.
      await settle(page);
    });

    await step("a foreign citizen's key without an IIN is refused, saying what to do instead", async () => {
      await page.setInputFiles(`${form} input[name="key"]`, file('foreigner.p12'));
      await page.waitForSelector(`${form} input[name="password"]:not([disabled])`);
      await page.fill(`${form} input[name="password"]`, kit.password);
      await page.click('[data-action="eds-submit"]');
      const said = page.getByText('В сертификате нет ИИН', { exact: false }).first();
      await said.waitFor();
      assert(/ЦОН/.test(await said.textContent()), 'it says where an IIN is issued');
      assert(!(await page.isVisible('[data-action="sign-out"]')), 'not signed in');
      await citizen.axe('no-iin');
      await citizen.shot('no-iin');
    });

    const nca = 'form[data-form="ncalayer"]';
    const ncaError = async () => {
      const summary = page.locator(`${nca} .form-summary:not([hidden])`);
      await summary.waitFor();
      return summary.textContent();
    };
    await step('without NCALayer running, the page says to start it', async () => {
      await page.click('[data-action="tab-ncalayer"]');
      await page.waitForSelector(nca);
      await citizen.axe('ncalayer');
      await page.click('[data-action="ncalayer-submit"]');
      assert(/NCALayer/.test(await ncaError()), 'a message naming NCALayer');
      await citizen.shot('ncalayer-absent');
    });
    const layer = await startNcaLayer({
      tlsKey: file('tls.key'),
      tlsCert: file('tls.pem'),
      authKey: file('auth.key'),
      authCert: file('auth.pem'),
      signKey: file('sign.key'),
      signCert: file('sign.pem'),
      strangerKey: file('stranger.key'),
      strangerCert: file('stranger.pem'),
    });
    try {
      await step('cancelled in NCALayer: nothing is sent, and the page says so', async () => {
        layer.setMode('cancel');
        const before = sent.length;
        await citizen.open('/signin');
        await page.click('[data-action="tab-ncalayer"]');
        await page.click('[data-action="ncalayer-submit"]');
        assert(/отмен/i.test(await ncaError()), 'a Russian message about the cancel');
        assert(!sent.slice(before).some((body) => body.includes('"cms"')), 'a cancelled signature was sent');
      });
      await step('the signing key instead of the authentication key: told to pick AUTH', async () => {
        layer.setMode('sign');
        await citizen.open('/signin');
        await page.click('[data-action="tab-ncalayer"]');
        await page.click('[data-action="ncalayer-submit"]');
        assert(/AUTH/.test(await ncaError()), 'a message naming the AUTH key');
        await citizen.shot('ncalayer-wrong-key');
      });
      await step('NCALayer signs the challenge as a CMS and the person is signed in', async () => {
        layer.setMode('auth');
        await citizen.open('/signin');
        await page.click('[data-action="tab-ncalayer"]');
        await page.click('[data-action="ncalayer-submit"]');
        await expectSignedInAs(page, kit.iin);
        const asked = layer.requests.at(-1);
        assert(asked.module === 'kz.gov.pki.knca.basics' && asked.args.format === 'cms', 'the basics module was asked for a CMS');
        assert(asked.args.signingParams.encapsulate === false, 'a detached signature was asked for');
        assert(asked.args.signerParams.extKeyUsageOids.includes('1.3.6.1.5.5.7.3.2'), 'an authentication key was asked for');
        await citizen.shot('ncalayer-signed-in');
      });
      const fileForm = 'form[data-form="filing"]';
      const statement = async (text) => {
        await startStatement(citizen, text);
        assert(!(await page.isVisible(`${fileForm} input[name="sign_with"][value="none"]`)), 'a statement cannot go unsigned');
      };
      /** The filing's signature and what it signs, checked by OpenSSL against the demo CA. */
      const checkWithOpenssl = async (id) => {
        await citizen.open(`/filings/${id}`);
        await page.waitForSelector('[data-signature="signed"]');
        const fetchBase64 = (path) =>
          page.evaluate(async (url) => {
            const bytes = new Uint8Array(await (await fetch(url, { credentials: 'same-origin' })).arrayBuffer());
            let binary = '';
            for (const b of bytes) binary += String.fromCharCode(b);
            return btoa(binary);
          }, `${BASE_URL}${path}`);
        writeFileSync(file(`statement-${id}.p7s`), Buffer.from(await fetchBase64(`/api/status/filings/${id}/signature`), 'base64'));
        writeFileSync(file(`statement-${id}.json`), Buffer.from(await fetchBase64(`/api/status/filings/${id}/signed-content`), 'base64'));
        execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', file(`statement-${id}.p7s`), '-content', file(`statement-${id}.json`), '-CAfile', file('ca.pem'), '-purpose', 'any', '-out', '/dev/null'], { stdio: 'pipe' });
      };
      await step('a statement signed with the .p12 signing key: a wrong password is refused, the right one files it', async () => {
        await statement('У меня украли велосипед во дворе дома.');
        await page.check(`${fileForm} input[name="sign_with"][value="key"]`);
        await page.setInputFiles(`${fileForm} input[name="sign_key"]`, file('sign.p12'));
        await page.fill(`${fileForm} input[name="sign_password"]`, 'Wrong1234');
        await citizen.axe('file-signed');
        await page.click('[data-action="filing-submit"]');
        await page.locator(`${fileForm} [data-field="sign_password"] .field-error:not([hidden])`).waitFor();
        await page.fill(`${fileForm} input[name="sign_password"]`, kit.password);
        await page.click('[data-action="filing-submit"]');
        const id = await receiptId(page);
        await citizen.shot('statement-signed');
        await checkWithOpenssl(id);
        assert(!sent.some((body) => body.includes(kit.password)), 'the key password left the page');
      });
      const myFilings = () => page.evaluate(async (url) => ((await (await fetch(url, { credentials: 'same-origin' })).json()).filings || []).length, `${BASE_URL}/api/status/filings`);
      await step("another person's signature, one over other content, one made hours ago: each refused in Russian, nothing filed", async () => {
        for (const [mode, words] of [
          ['stranger', /другому лицу/],
          ['other-content', /не к тому/],
          ['stale', /Время подписания/],
        ]) {
          layer.setMode(mode);
          const before = await myFilings();
          await statement(`Заявление (${mode}).`);
          await page.check(`${fileForm} input[name="sign_with"][value="ncalayer"]`);
          await page.click('[data-action="filing-submit"]');
          const error = page.locator(`${fileForm} [data-field="sign_with"] .field-error:not([hidden])`);
          await error.waitFor();
          const text = await error.textContent();
          assert(words.test(text), `${mode}: the message says why, got ${text}`);
          assert((await myFilings()) === before, `${mode}: something was filed`);
        }
        await citizen.shot('statement-refused');
      });
      await step('a statement signed through NCALayer with the signing key, checked by OpenSSL', async () => {
        layer.setMode('sign');
        await statement('Мошенники списали деньги с моей карты.');
        await page.check(`${fileForm} input[name="sign_with"][value="ncalayer"]`);
        await page.click('[data-action="filing-submit"]');
        const id = await receiptId(page);
        const asked = layer.requests.at(-1);
        assert(asked.args.signerParams.extKeyUsageOids.includes('1.3.6.1.5.5.7.3.4'), 'a signing key was asked for');
        assert(asked.args.signerParams.iin === kit.iin, 'NCALayer was told whose key to offer');
        await checkWithOpenssl(id);
      });
    } finally {
      await layer.close();
    }
    await citizen.close();
  });
}

/**
 * One tab, two people: what the first typed into a form (kept as a draft so an expired session
 * loses nothing) never fills the next person's form after a sign-out.
 */
async function draftsStayWithTheirAuthor(browser) {
  await journey('drafts-in-a-shared-tab', async (step) => {
    const tab = await person(browser, 'drafts', 'shared-tab', { lang: 'en' });
    const page = tab.page;
    const form = 'form[data-form="filing"]';
    const words = 'Private words the victim never sent.';
    await step('the victim starts a statement and signs out without sending it', async () => {
      await signInWithEds(tab, 'victim');
      await tab.open('/file');
      await page.check(`${form} input[name="kind"][value="crime_report"]`);
      await page.fill(`${form} [name="text"]`, words);
      await page.click('[data-action="sign-out"]');
      await page.waitForSelector('form[data-form="eds"]');
    });
    await step('the next person in the same tab finds an empty form', async () => {
      await signInWithEds(tab, 'suspect');
      await tab.open('/file');
      await page.check(`${form} input[name="kind"][value="crime_report"]`);
      const text = await page.inputValue(`${form} [name="text"]`);
      assert(text === '', `the victim's draft reached the next person: "${text}"`);
      const kept = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('jaria.draft.')).length);
      assert(kept <= 1, `other people's drafts stay in the tab: ${kept}`);
    });
    await tab.close();
  });
}

/**
 * The key people hold since 2024: NCA's GOST 34.10-2015 key file (NCA's public test key, under
 * NCA's test CA and the staging test IIN), opened and signed with inside the page, in Kazakh;
 * then a statement signed with it, its signature checked by an independent GOST verifier
 * (tests/tools/gost_cms_verify.py: gostcrypto from PyPI, not the portal's code).
 */
async function gostKeyInThePage(browser) {
  const dir = process.env.JARIA_NCA_KEYS;
  if (!dir) {
    console.log('GOST journey skipped: JARIA_NCA_KEYS is not set (the deployment must trust NCA\'s test CA)');
    return;
  }
  const file = (name) => join(dir, name);
  const testIin = '123456789011';
  const password = 'Qwerty12';
  await journey('eds-gost-in-the-page', async (step) => {
    const citizen = await person(browser, 'eds', 'gost-holder', { lang: 'kk' });
    const page = citizen.page;
    const sent = [];
    page.on('request', (request) => sent.push(request.postData() || ''));
    const form = 'form[data-form="eds"]';
    await step("NCA's GOST512 key file signs in inside the page, in Kazakh", async () => {
      await citizen.open('/signin');
      await page.waitForFunction(() => document.documentElement.lang === 'kk');
      // The language change re-renders the screen: wait for it before touching the form.
      await settle(page);
      await page.setInputFiles(`${form} input[name="key"]`, file('keys/individual_valid.p12'));
      await page.waitForSelector(`${form} input[name="password"]:not([disabled])`);
      assert(/GOST512/.test(await page.locator(`${form}`).textContent()), 'the page names the GOST512_… file people hold');
      await page.fill(`${form} input[name="password"]`, password);
      await page.click('[data-action="eds-submit"]');
      await expectSignedInAs(page, testIin);
      assert(!sent.some((body) => body.includes(password)), 'the key password left the page');
      assert(sent.some((body) => body.includes('"signature"') && body.includes('BEGIN CERTIFICATE')), 'the chain and the signature were sent');
      await citizen.axe('gost-signed-in');
      await citizen.shot('gost-signed-in');
    });
    await step('a statement signed with the same GOST key is filed, and an independent verifier agrees', async () => {
      const fileForm = 'form[data-form="filing"]';
      await startStatement(citizen, 'Ауладағы көлігімнің әйнегі сындырылды.');
      await page.check(`${fileForm} input[name="sign_with"][value="key"]`);
      await page.setInputFiles(`${fileForm} input[name="sign_key"]`, file('keys/individual_valid.p12'));
      await page.fill(`${fileForm} input[name="sign_password"]`, password);
      await page.click('[data-action="filing-submit"]');
      const id = await receiptId(page);
      await citizen.shot('gost-statement-filed');
      const fetchBase64 = (path) =>
        page.evaluate(async (url) => {
          const bytes = new Uint8Array(await (await fetch(url, { credentials: 'same-origin' })).arrayBuffer());
          let binary = '';
          for (const b of bytes) binary += String.fromCharCode(b);
          return btoa(binary);
        }, `${BASE_URL}${path}`);
      const work = process.env.JARIA_SHOTS_DIR || '.';
      const signature = join(work, `gost-statement-${id}.p7s`);
      const content = join(work, `gost-statement-${id}.json`);
      writeFileSync(signature, Buffer.from(await fetchBase64(`/api/status/filings/${id}/signature`), 'base64'));
      writeFileSync(content, Buffer.from(await fetchBase64(`/api/status/filings/${id}/signed-content`), 'base64'));
      execFileSync('python3', ['../tools/gost_cms_verify.py', signature, content, file('nca_gost2022_test.cer')], { stdio: 'pipe' });
      assert(!sent.some((body) => body.includes(password)), 'the key password left the page');
    });
    await citizen.close();
  });
}

/**
 * The key most people keep now: in the eGov mobile app. The page shows a QR code; the phone (a
 * stand-in that speaks NITEC's protocol with NCA's GOST test key: tests/tools/egov_phone.rs)
 * reads the address in it, signs and sends the signature to the portal; the page, waiting, is
 * signed in. Then a statement signed the same way is filed.
 */
async function egovMobileSigning(browser) {
  const dir = process.env.JARIA_NCA_KEYS;
  const phone = process.env.JARIA_EGOV_PHONE;
  if (!dir || !phone) {
    console.log('eGov mobile journey skipped: JARIA_NCA_KEYS or JARIA_EGOV_PHONE is not set');
    return;
  }
  const key = join(dir, 'keys/individual_valid.p12');
  /** What the phone does with the QR code the page shows now: its address, from the same-phone link. */
  const signOnPhone = async (page) => {
    const link = page.locator('a[data-action="egov-open-app"]');
    await link.waitFor();
    const qr = await page.locator('.egov-mobile svg.qr path').getAttribute('d');
    assert(qr && qr.length > 100, 'a QR code is drawn');
    const api1 = new URL(await link.getAttribute('href')).searchParams.get('link');
    assert(api1 && api1.includes('/api/auth/mgovSign/'), `the code holds API 1: ${api1}`);
    execFileSync(phone, [api1, key, 'Qwerty12'], { stdio: 'pipe' });
  };
  await journey('eds-egov-mobile', async (step) => {
    const citizen = await person(browser, 'eds', 'egov-mobile', { lang: 'ru' });
    const page = citizen.page;
    await step('the page shows a QR code, the phone signs, the page is signed in', async () => {
      await citizen.open('/signin');
      await settle(page);
      await page.click('[data-action="tab-egov-mobile"]');
      await page.click('[data-action="egov-mobile-submit"]');
      await page.locator('.egov-mobile svg.qr').waitFor();
      await citizen.axe('egov-mobile-qr');
      await citizen.shot('egov-mobile-qr');
      await signOnPhone(page);
      await expectSignedInAs(page, '123456789011', { timeout: 15000 });
    });
    await step('a statement signed on the phone is filed with its signature', async () => {
      await startStatement(citizen, 'Подписано в eGov mobile: у подъезда повредили мой автомобиль.');
      await page.check('form[data-form="filing"] input[name="sign_with"][value="egov_mobile"]');
      await page.click('[data-action="filing-submit"]');
      await signOnPhone(page);
      const id = await receiptId(page, { timeout: 15000 });
      const filing = await page.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).json(), `${BASE_URL}/api/status/filings/${id}`);
      const signature = filing.signature || (filing.filing && filing.filing.signature);
      assert(signature && signature.signer_iin === '123456789011', `the statement is signed by the phone's key: ${JSON.stringify(signature)}`);
      await citizen.shot('egov-mobile-statement-filed');
    });
    await citizen.close();
  });
}

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
      // The language change re-renders the screen: wait for it before touching the form.
      await settle(page);
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
  await statusToAnswer(browser, { name: 'victim-en', lang: 'en', viewport: DESKTOP, who: 'victim', status: 'victim' });
  await statusToAnswer(browser, { name: 'suspect-kk', lang: 'kk', viewport: DESKTOP, who: 'suspect', status: 'suspect' });
  await statusToAnswer(browser, {
    name: 'defender-ru-phone',
    lang: 'ru',
    viewport: PHONE,
    who: 'defender',
    status: 'defender',
    represented: SUSPECT_IIN,
    basis: 'Ордер № 17 от адвокатской конторы',
  });
  await officerRecordsParticipants(browser);
  await courtLoop(browser);
  await edsAsPeopleHoldIt(browser);
  await gostKeyInThePage(browser);
  await egovMobileSigning(browser);
  await draftsStayWithTheirAuthor(browser);
  // Last: it ends the demo suspect's status, which the journeys above rely on.
  await servedStaysAfterTheEnd(browser);
} finally {
  await browser.close();
}
console.log(`browser journeys passed: ${checks.steps} steps, ${checks.axe} accessibility checks`);
