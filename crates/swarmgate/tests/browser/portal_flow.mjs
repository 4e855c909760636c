// The portal's member flow in Debian's headless Chromium, driven by
// playwright-core (no browser of its own: it launches /usr/bin/chromium).
// Run by crates/swarmgate/tests/portal_browser.rs; see README.md here.
//
//   node portal_flow.mjs --portal URL --torrent FILE --out DIR \
//        --moderator NAME --moderator-password PASS --title TITLE --search WORD
//
// Member A registers, logs out and in again, uploads FILE as TITLE (it
// waits for review); the moderator approves it on /moderation; A finds it
// by WORD in the search form and downloads the .torrent; member B
// registers and downloads theirs. Writes DIR/a.torrent, DIR/b.torrent and
// screenshots DIR/NN-*.png, and prints one JSON object on stdout:
//   {"ok": true, "release_id", "a": {"user", "passkey", "torrent"},
//    "b": {...}, "search_hits": [titles], "steps": [{"step", "ms"}],
//    "screenshots": [paths], "ms"}
// or, on failure, {"ok": false, "step", "error", "url", "screenshot"} and
// exit status 1.

import { chromium } from 'playwright-core';
import { createFlow, finish, flowArgs } from './flow.mjs';
import path from 'node:path';

const args = flowArgs(
  {
    portal: { type: 'string' },
    torrent: { type: 'string' },
    out: { type: 'string' },
    moderator: { type: 'string' },
    'moderator-password': { type: 'string' },
    title: { type: 'string' },
    search: { type: 'string' },
  },
  ['portal', 'torrent', 'out', 'moderator', 'moderator-password', 'title', 'search'],
);

const started = Date.now();
const flow = createFlow(args.out);
const { steps, screenshots } = flow;
const step = flow.step;
let shotNo = 0;

async function shot(page, name) {
  shotNo += 1;
  const file = path.join(args.out, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

/// Fails unless the page's status text shows no server error.
async function expectNoError(page, what) {
  const error = page.locator('#form-error, .error');
  if (await error.count()) {
    throw new Error(`${what}: the page says "${(await error.first().textContent()).trim()}"`);
  }
}

const PASSWORD = 'correct horse battery staple';
const browser = await chromium.launch({
  executablePath: args.chromium,
  // The same flags as browser_451.rs: no sandbox (containers), no GPU, and
  // nothing that reaches for the network (this machine has none).
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

/// A fresh browser profile: its own cookie jar and language.
async function visitor(locale) {
  const context = await browser.newContext({
    baseURL: args.portal,
    locale,
    acceptDownloads: true,
    viewport: { width: 1024, height: 768 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  if (process.env.PORTAL_FLOW_DEBUG) {
    page.on('response', (r) => console.error(`${locale} ${r.request().method()} ${r.url()} ${r.status()}`));
  }
  return page;
}

async function register(page, user) {
  await page.goto('/register');
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await page.fill('#password2', PASSWORD);
  await Promise.all([page.waitForURL('**/profile'), page.click('main button[type=submit]')]);
  await expectNoError(page, `registering ${user}`);
  const shown = (await page.textContent('#username')).trim();
  if (shown !== user) throw new Error(`profile shows ${shown}, not ${user}`);
  return (await page.textContent('#passkey')).trim();
}

async function logIn(page, user, password) {
  await page.goto('/login');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL('**/profile'), page.click('main button[type=submit]')]);
  await expectNoError(page, `logging in ${user}`);
  const shown = (await page.textContent('#username')).trim();
  if (shown !== user) throw new Error(`profile shows ${shown} after logging in ${user}`);
}

async function download(page, file) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const failure = await dl.failure();
  if (failure) throw new Error(`download failed: ${failure}`);
  await dl.saveAs(file);
  return file;
}

const suffix = Date.now().toString(36);
const userA = `alice_${suffix}`;
const userB = `bob_${suffix}`;

let result;
try {
  const a = await visitor('ru-RU');
  const passkeyA = await step('A registers', a, async () => {
    const key = await register(a, userA);
    await shot(a, 'a-registered');
    return key;
  });
  await step('A logs out and in', a, async () => {
    await Promise.all([
      a.waitForURL((url) => url.pathname === '/'),
      a.click('header form[action="/logout"] button'),
    ]);
    await a.goto('/releases');
    if (await a.locator('header a[href="/profile"]').count() || !(await a.locator('header a[href="/login"]').count())) {
      throw new Error('still logged in after logging out');
    }
    await logIn(a, userA, PASSWORD);
  });

  const releaseId = await step('A uploads', a, async () => {
    await a.goto('/upload');
    await a.setInputFiles('#torrent', args.torrent);
    await a.fill('#title', args.title);
    await a.fill('#description', 'Проверка из браузера: **загрузка**, модерация, поиск.');
    await a.fill('#tags', 'тест, browser');
    await shot(a, 'a-upload-form');
    await Promise.all([
      a.waitForURL(/\/releases\/\d+$/),
      a.click('main button[type=submit]'),
    ]);
    await expectNoError(a, 'uploading');
    const title = (await a.textContent('#title')).trim();
    if (title !== args.title) throw new Error(`release page title is ${title}`);
    // A member's upload waits for review.
    if (!(await a.locator('#status').count())) {
      throw new Error('the new release does not show a pending status');
    }
    await shot(a, 'a-uploaded-pending');
    return Number(new URL(a.url()).pathname.split('/').pop());
  });

  const m = await visitor('en-US');
  await step('moderator approves', m, async () => {
    await logIn(m, args.moderator, args['moderator-password']);
    await m.goto('/moderation');
    const row = m.locator('#releases tbody tr', {
      has: m.locator(`a[href="/releases/${releaseId}"]`),
    });
    if ((await row.count()) !== 1) throw new Error(`release ${releaseId} is not in the queue`);
    await shot(m, 'moderation-queue');
    await Promise.all([
      m.waitForURL('**/moderation'),
      row.locator('button[name=status][value=approved]').click(),
    ]);
    await expectNoError(m, 'approving');
    if (await m.locator(`a[href="/releases/${releaseId}"]`).count()) {
      throw new Error('the approved release is still in the queue');
    }
    await shot(m, 'moderation-after-approve');
  });

  const search = async (words) => {
    await a.goto('/releases');
    await a.fill('#q', words);
    await Promise.all([
      a.waitForURL((url) => url.pathname === '/releases' && url.searchParams.get('q') === words),
      a.click('form[role=search] button[type=submit]'),
    ]);
    await expectNoError(a, `searching "${words}"`);
  };
  await step('A searches for a word no release has', a, async () => {
    // The search filters: a word in no title, description or tag finds nothing.
    await search('несуществующее');
    if (await a.locator(`#releases a[href="/releases/${releaseId}"]`).count()) {
      throw new Error('searching a word the release does not contain still lists it');
    }
  });
  const hits = await step('A searches', a, async () => {
    await search(args.search);
    await shot(a, 'a-search-results');
    const titles = await a.locator('#releases tbody tr td:first-child a').allTextContents();
    const link = a.locator(`#releases a[href="/releases/${releaseId}"]`);
    if (!(await link.count())) {
      throw new Error(
        `searching "${args.search}" does not find "${args.title}" (found: ${JSON.stringify(titles)}); ` +
          `the page says: ${(await a.textContent('main')).replace(/\s+/g, ' ').trim().slice(0, 300)}`,
      );
    }
    await Promise.all([a.waitForURL(`**/releases/${releaseId}`), link.click()]);
    return titles.map((t) => t.trim());
  });

  const torrentA = await step('A downloads', a, async () => {
    if (await a.locator('#status').count()) throw new Error('the release still shows a non-approved status');
    await shot(a, 'a-release-page');
    return download(a, path.join(args.out, 'a.torrent'));
  });

  const b = await visitor('en-US');
  const passkeyB = await step('B registers', b, () => register(b, userB));
  const torrentB = await step('B downloads', b, async () => {
    await b.goto(`/releases/${releaseId}`);
    await shot(b, 'b-release-page');
    return download(b, path.join(args.out, 'b.torrent'));
  });

  result = {
    ok: true,
    release_id: releaseId,
    a: { user: userA, passkey: passkeyA, torrent: torrentA },
    b: { user: userB, passkey: passkeyB, torrent: torrentB },
    search_hits: hits,
    steps,
    screenshots,
    chromium: browser.version(),
    ms: Date.now() - started,
  };
} catch (e) {
  result = await flow.failure(e);
}
await finish(browser, result);
