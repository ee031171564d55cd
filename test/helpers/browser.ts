/**
 * A real browser for UI tests: the system Chromium (Debian's `chromium`, or HPAIC_CHROMIUM) driven by
 * playwright-core, which never downloads a browser of its own. Absent browser: a skip reason (an error under
 * CI=true, where .ci/run installs it).
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { referenceMissing } from './env.js';

export const CHROMIUM = process.env.HPAIC_CHROMIUM ?? '/usr/bin/chromium';

export function browserSkip(): string | false {
  return existsSync(CHROMIUM) ? false : referenceMissing(`${CHROMIUM} is absent (apt install chromium, or set HPAIC_CHROMIUM)`);
}

/** Headless Chromium; `--no-sandbox` because CI runs as root. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
