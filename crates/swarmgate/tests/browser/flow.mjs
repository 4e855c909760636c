// What every browser flow here shares: its command line, its steps (each
// timed, the last one named in a failure), the failure report with a
// screenshot of the page it happened on, and the one JSON line it prints.

import { parseArgs } from 'node:util';
import path from 'node:path';

/// Parses `--key value` options (plus `--chromium`); exits with status 2
/// naming the first of `required` that is missing.
export function flowArgs(options, required) {
  const { values } = parseArgs({
    options: { ...options, chromium: { type: 'string', default: '/usr/bin/chromium' } },
  });
  for (const key of required) {
    if (!values[key]) {
      console.error(`missing --${key}`);
      process.exit(2);
    }
  }
  return values;
}

/// A flow's record: `steps` (name, ms), `screenshots` (paths) and the
/// step and page in progress.
export function createFlow(outDir) {
  const flow = {
    steps: [],
    screenshots: [],
    current: 'launch',
    page: null,
    /// Runs one named step on `page`, timing it.
    async step(name, page, body) {
      flow.current = name;
      flow.page = page;
      const t0 = Date.now();
      const result = await body();
      flow.steps.push({ step: name, ms: Date.now() - t0 });
      return result;
    },
    /// The report of a failure `e`: the step, the error, the page's URL
    /// and a screenshot of it in `outDir/failure.png` when there is one.
    async failure(e) {
      let screenshot = null;
      let url = null;
      if (flow.page) {
        try {
          url = flow.page.url();
          screenshot = path.join(outDir, 'failure.png');
          await flow.page.screenshot({ path: screenshot, fullPage: true });
        } catch {
          screenshot = null;
        }
      }
      return {
        ok: false,
        step: flow.current,
        error: String(e && e.message ? e.message : e),
        url,
        screenshot,
        steps: flow.steps,
        screenshots: flow.screenshots,
      };
    },
  };
  return flow;
}

/// Closes the browser, prints `result` as one JSON line and exits with
/// status 0 when it is ok, else 1.
export async function finish(browser, result) {
  await browser.close();
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.ok ? 0 : 1);
}
