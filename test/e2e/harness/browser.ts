/** Debian's chromium driven by playwright-core (never `playwright install`: no downloads here). */
import * as fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

const candidates = [process.env.TIERED_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Path of a chromium binary, or a clear error saying how to get one. */
export function chromiumPath(): string {
  const found = candidates.find((p): p is string => typeof p === 'string' && p.length > 0 && fs.existsSync(p));
  if (!found) {
    throw new Error('No chromium found: apt-get install chromium (or set TIERED_CHROMIUM to a Chrome/Chromium binary).');
  }
  return found;
}

export function launchBrowser(options: { headless?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: options.headless ?? true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
