// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with the flags this
// closed network needs: no background networking, no component updates (Playwright gives each
// launch a fresh temporary profile).

import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.TMBUS_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
}

/** Where tests save screenshots (CI keeps test-results/). */
export const ARTIFACTS = join(import.meta.dirname, '../../test-results');
