// The administrators' pages in Debian's headless Chromium, driven by
// playwright-core. Run by crates/swarmgate/tests/admin_browser.rs; see
// README.md here.
//
//   node admin_flow.mjs --portal URL --user NAME --password PASS --out DIR \
//        --logo FILE --site-name NAME --accent #rrggbb --band #rrggbb --banner TEXT
//
// The administrator logs in and opens /admin: the traffic chart must be
// drawn (an <svg> of non-zero size with its lines), and is screenshot to
// DIR/dashboard.png (the chart alone) and DIR/dashboard-page.png. Then
// they set the site name, colours and banner and upload FILE as the logo
// on /admin/branding; another page of the same server, in the
// administrator's browser and in a fresh anonymous one, must show all
// of it. Prints one JSON object on stdout:
//   {"ok": true, "chart": {"width", "height", "lines", "series", "legend"},
//    "branded": {...}, "anonymous": {...}, "screenshots": [paths],
//    "steps": [{"step", "ms"}]}
// or {"ok": false, "step", "error", "url", "screenshot"} and exit status 1.

import { chromium } from 'playwright-core';
import { createFlow, finish, flowArgs } from './flow.mjs';
import path from 'node:path';

const args = flowArgs(
  {
    portal: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    out: { type: 'string' },
    logo: { type: 'string' },
    'site-name': { type: 'string' },
    accent: { type: 'string' },
    band: { type: 'string' },
    banner: { type: 'string' },
  },
  ['portal', 'user', 'password', 'out', 'logo', 'site-name', 'accent', 'band', 'banner'],
);

const flow = createFlow(args.out);
const { steps, screenshots } = flow;
const step = flow.step;

/// `#rrggbb` as getComputedStyle reports it.
function rgb(hex) {
  const n = (i) => parseInt(hex.slice(i, i + 2), 16);
  return `rgb(${n(1)}, ${n(3)}, ${n(5)})`;
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  // As in portal_flow.mjs: no sandbox (containers), no GPU, nothing that
  // reaches for the network.
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

async function visitor() {
  const context = await browser.newContext({
    baseURL: args.portal,
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(10_000);
  return context.newPage();
}

/// What a page shows of the branding.
async function branding(page) {
  return page.evaluate(() => {
    const logo = document.querySelector('#site-logo');
    const link = document.querySelector('main a') || document.querySelector('header a[href="/releases"]');
    const banner = document.querySelector('#site-banner');
    return {
      title: document.title,
      name: document.querySelector('#site-name')?.textContent ?? null,
      banner: banner ? banner.textContent : null,
      link_color: link ? getComputedStyle(link).color : null,
      band_color: getComputedStyle(document.body).borderTopColor,
      band_width: getComputedStyle(document.body).borderTopWidth,
      logo_src: logo ? logo.getAttribute('src') : null,
      logo_loaded: logo ? logo.complete && logo.naturalWidth > 0 : false,
    };
  });
}

let result;
try {
  const admin = await visitor();
  await step('log in', admin, async () => {
    await admin.goto('/login');
    await admin.fill('#username', args.user);
    await admin.fill('#password', args.password);
    await Promise.all([admin.waitForURL('**/profile'), admin.click('main button[type=submit]')]);
    if (!(await admin.locator('header a[href="/admin"]').count())) {
      throw new Error('the menu has no link to the dashboard');
    }
  });

  const chart = await step('dashboard', admin, async () => {
    await Promise.all([admin.waitForURL('**/admin'), admin.click('header a[href="/admin"]')]);
    const svg = admin.locator('#traffic-chart svg');
    const box = await svg.boundingBox();
    if (!box || box.width < 100 || box.height < 50) {
      throw new Error(`the chart is not drawn: ${JSON.stringify(box)}`);
    }
    const lines = await admin.locator('#traffic-chart svg path.series').count();
    const series = await admin
      .locator('#traffic-chart svg path.series')
      .evaluateAll((paths) => paths.map((p) => ({
        key: p.getAttribute('data-series'),
        length: p.getTotalLength(),
      })));
    if (!lines || series.some((s) => !(s.length > 0))) {
      throw new Error(`the chart has no drawn lines: ${JSON.stringify(series)}`);
    }
    const legend = await admin.locator('#traffic-chart svg g.legend').allTextContents();
    const surge = (await admin.locator('#traffic-changes tr.surge').allTextContents()).map((t) => t.trim());
    const file = path.join(args.out, 'dashboard.png');
    await svg.screenshot({ path: file });
    screenshots.push(file);
    const page = path.join(args.out, 'dashboard-page.png');
    await admin.screenshot({ path: page, fullPage: true });
    screenshots.push(page);
    return { width: box.width, height: box.height, lines, series, legend, surge };
  });

  await step('branding', admin, async () => {
    await Promise.all([admin.waitForURL('**/admin/branding'), admin.click('main a[href="/admin/branding"]')]);
    await admin.fill('#site_name', args['site-name']);
    await admin.fill('#accent', args.accent);
    await admin.fill('#band', args.band);
    await admin.fill('#banner', args.banner);
    await admin.setInputFiles('#logo', args.logo);
    await Promise.all([
      admin.waitForURL((url) => url.pathname === '/admin/branding' && url.searchParams.get('saved') === '1'),
      admin.click('main button[type=submit]'),
    ]);
    const error = admin.locator('#form-error');
    if (await error.count()) throw new Error(`the form says: ${(await error.textContent()).trim()}`);
    const file = path.join(args.out, 'branding-saved.png');
    await admin.screenshot({ path: file, fullPage: true });
    screenshots.push(file);
  });

  const expect = (seen, who) => {
    const wanted = {
      name: args['site-name'],
      banner: args.banner,
      link_color: rgb(args.accent),
      band_color: rgb(args.band),
    };
    for (const [key, value] of Object.entries(wanted)) {
      if (seen[key] !== value) throw new Error(`${who}: ${key} is ${JSON.stringify(seen[key])}, not ${JSON.stringify(value)}`);
    }
    if (!seen.title.endsWith(`— ${args['site-name']}`)) throw new Error(`${who}: title ${seen.title}`);
    if (!seen.logo_loaded) throw new Error(`${who}: the logo ${seen.logo_src} did not load`);
  };
  const branded = await step('another page shows it', admin, async () => {
    await admin.goto('/releases');
    const seen = await branding(admin);
    expect(seen, 'the administrator');
    const file = path.join(args.out, 'branded-releases.png');
    await admin.screenshot({ path: file, fullPage: true });
    screenshots.push(file);
    return seen;
  });
  const anonymousPage = await visitor();
  const anonymous = await step('a new visitor sees it', anonymousPage, async () => {
    await anonymousPage.goto('/');
    const seen = await branding(anonymousPage);
    expect(seen, 'a new visitor');
    const logo = await anonymousPage.request.get(seen.logo_src);
    if (logo.status() !== 200) throw new Error(`the logo answers ${logo.status()}`);
    seen.logo_headers = {
      'content-type': logo.headers()['content-type'],
      'cache-control': logo.headers()['cache-control'],
      'content-security-policy': logo.headers()['content-security-policy'],
      'x-content-type-options': logo.headers()['x-content-type-options'],
    };
    const file = path.join(args.out, 'branded-home.png');
    await anonymousPage.screenshot({ path: file, fullPage: true });
    screenshots.push(file);
    return seen;
  });

  result = { ok: true, chart, branded, anonymous, screenshots, steps, chromium: browser.version() };
} catch (e) {
  result = await flow.failure(e);
}
await finish(browser, result);
