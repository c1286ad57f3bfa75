// The coordinator's console in a real browser (Debian's Chromium, headless,
// driven by playwright-core): sign in with the password and the TOTP code
// enrolled from the QR page, find the conflict two tablets made, resolve it
// with a new value, approve a care-plan proposal, sign out. Checks on the
// way that every field has its label and that the keyboard reaches the
// forms. The Rust test around it (tests/tests/console_browser.rs) sets up
// the hub and the tablets and checks that they converge.
//
// Environment: HUB_URL, LOGIN, PASSWORD, NEW_ROOM, REVOKE (a tablet's label),
// CSV (residents to import, one line wrong), ACCESS_RESIDENT, ACCESS_READER and
// ACCESS_TABLET (whose file was opened, by whom, on which tablet),
// SHOTS (a folder for screenshots, optional). Prints one JSON line (with the
// enrolment code it was given); exits non-zero on failure.
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';

const { HUB_URL, LOGIN, PASSWORD, ACTIVATION, NEW_ROOM, REVOKE, CSV, SHOTS, ACCESS_RESIDENT, ACCESS_READER, ACCESS_TABLET } =
  process.env;

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238, as an authenticator app computes it.
function totp(secret, offsetSteps = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offsetSteps;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', secret).update(counter).digest();
  const o = h[h.length - 1] & 0x0f;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

// Every visible field has a label, by `for` or by wrapping.
async function everyFieldLabelled(page) {
  const unlabelled = await page.$$eval('input:not([type=hidden]), textarea, select', (els) =>
    els.filter((e) => !(e.id && document.querySelector(`label[for="${e.id}"]`)) && !e.closest('label')).map((e) => e.name));
  check(unlabelled.length === 0, `fields without a label: ${unlabelled.join(', ')}`);
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const result = {};
try {
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR' });
  const page = await context.newPage();
  const scriptErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') scriptErrors.push(m.text()); });

  // Sign in: password first, with the keyboard only.
  await page.goto(`${HUB_URL}/console/login`);
  await everyFieldLabelled(page);
  await shot(page, 'console-login');
  await page.keyboard.type(LOGIN); // the login field has the focus
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  // First sign-in: the administrator's activation code, then the authenticator.
  await page.waitForURL('**/console/totp/activate');
  await everyFieldLabelled(page);
  await shot(page, 'console-activate');
  await page.getByLabel("Code d'activation").fill(ACTIVATION.toLowerCase());
  await page.getByRole('button', { name: 'Continuer' }).click();
  await page.waitForURL('**/console/totp/enrol');

  // The second factor, enrolled from the page as a phone reads the QR code.
  check(await page.locator('figure.qr svg').count() === 1, 'the QR code is drawn');
  await everyFieldLabelled(page);
  await shot(page, 'console-totp-enrol');
  const secret = base32Decode((await page.locator('code').innerText()).trim());
  await page.getByLabel('Code à 6 chiffres').fill(totp(secret));
  await page.getByRole('button', { name: 'Activer' }).click();
  await page.waitForURL(`${HUB_URL}/console/`);
  check((await page.locator('main').innerText()).includes('conflits à résoudre'), 'home counts the conflicts');
  await shot(page, 'console-home');

  // The conflicts, in words.
  await page.getByRole('link', { name: 'Conflits', exact: true }).click();
  const table = await page.locator('table').innerText();
  check(table.includes('Chambre') && table.includes('Dossier du résident'), 'the room conflict is listed in words');
  check(!table.includes('{'), 'no JSON on the page');
  await shot(page, 'console-conflicts');
  const row = page.locator('tr', { hasText: 'Dossier du résident' });
  await row.getByRole('link', { name: 'Examiner' }).click();
  await everyFieldLabelled(page);
  await shot(page, 'console-conflict');
  await page.getByLabel('Saisir une autre valeur').check();
  await page.getByLabel('Chambre', { exact: true }).fill(NEW_ROOM);
  await page.getByLabel('Note').fill('Vérifié sur place');
  await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await page.locator('p.notice').first().waitFor();
  check((await page.locator('main').innerText()).includes('Décision enregistrée'), 'the decision is saved');
  await shot(page, 'console-conflict-resolved');

  // The care-plan proposal: approved.
  await page.getByRole('link', { name: 'Conflits', exact: true }).click();
  await page.locator('tr', { hasText: 'Proposition' }).getByRole('link', { name: 'Examiner' }).click();
  await page.getByLabel('Approuver la proposition').check();
  await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
  await page.locator('p.notice').first().waitFor();
  await page.getByRole('link', { name: 'Conflits', exact: true }).click();
  check((await page.locator('main').innerText()).includes('Aucun conflit'), 'nothing left to resolve');

  // The access log of a resident whose file a tablet opened: found by name,
  // read on the page, downloaded as a CSV file.
  await page.getByRole('link', { name: 'Résidents', exact: true }).click();
  await everyFieldLabelled(page);
  await page.getByLabel('Rechercher un résident').fill(ACCESS_RESIDENT);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/console/residents?q=*');
  await page.getByRole('link', { name: `Journal des accès de ${ACCESS_RESIDENT}` }).click();
  const log = await page.locator('table').innerText();
  check(log.includes('a ouvert le dossier') && log.includes(ACCESS_READER) && log.includes(ACCESS_TABLET),
    `the opening is in the log: ${log}`);
  check(log.includes('contrôlée') && !log.includes('non contrôlée'), 'the entries checked');
  await shot(page, 'console-access-log');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Télécharger le journal (CSV)' }).click(),
  ]);
  check(/^journal-des-acces-[0-9a-f-]{36}\.csv$/.test(download.suggestedFilename()), 'the file is named by id only');
  const csv = readFileSync(await download.path(), 'utf8');
  check(csv.includes(`${ACCESS_READER};`) && csv.includes(';a ouvert le dossier;'), 'the file says the same');

  // Residents from a CSV with a wrong line: previewed, imported without it.
  await page.getByRole('link', { name: 'Résidents', exact: true }).click();
  await page.getByRole('link', { name: 'Importer des résidents (fichier CSV)' }).click();
  await everyFieldLabelled(page);
  await page.getByLabel('Unité').selectOption({ label: 'EHPAD Les Tilleuls — Étage 1' });
  // The file as a French spreadsheet saves it: Windows-1252, not UTF-8.
  await page.getByLabel('Fichier CSV').setInputFiles({
    name: 'residents.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'latin1'),
  });
  await page.getByRole('button', { name: 'Vérifier' }).click();
  check((await page.locator('main').innerText()).includes('1 en erreur'), 'the wrong line is shown');
  await shot(page, 'console-import-preview');
  await page.getByLabel('Importer sans les lignes en erreur').check();
  await page.getByRole('button', { name: /^Importer \d+ résident/ }).click();
  check((await page.locator('main').innerText()).includes('importé'), 'the valid lines are imported');

  // Tablets: enrol a new one by code and QR code, revoke a lost one.
  await page.getByRole('link', { name: 'Tablettes', exact: true }).click();
  await everyFieldLabelled(page);
  const perTablet = page.getByRole('table', { name: /Ce que chaque tablette/ });
  check((await perTablet.innerText()).includes('Tablette chariot A'), 'the tablets are listed');
  check((await page.getByRole('table', { name: 'Synchronisation par unité.' }).innerText()).includes('Étage 1'),
    'the sync health per unit');
  await shot(page, 'console-tablets');
  await page.getByLabel('Étage 1').first().check();
  await page.getByRole('button', { name: "Créer un code d'enrôlement" }).click();
  check(await page.locator('figure.qr svg').count() === 1, 'the enrolment QR code is drawn');
  result.code = (await page.locator('.code').innerText()).trim();
  await shot(page, 'console-enrolment-code');
  await page.getByRole('link', { name: 'Tablettes', exact: true }).click();
  const lost = page.locator('tr', { hasText: REVOKE });
  await lost.getByLabel('Perdue ou volée').check();
  await lost.getByRole('button', { name: 'Révoquer' }).click();
  await page.locator('p.notice').first().waitFor();
  check((await page.locator('tr', { hasText: REVOKE }).innerText()).includes('révoquée'), 'the tablet shows revoked');

  // Signing out ends the session: the console sends back to the sign-in page.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL('**/console/login');
  await page.goto(`${HUB_URL}/console/conflicts`);
  check(page.url().endsWith('/console/login'), 'signed out');
  check(scriptErrors.length === 0, `browser console errors: ${scriptErrors.join(' | ')}`);
  result.ok = true;
} catch (e) {
  result.ok = false;
  result.error = String(e && e.message ? e.message : e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
