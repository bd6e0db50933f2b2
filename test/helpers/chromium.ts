import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** The flags Chromium needs on a machine without network (docs: .library/env/machines/polyglot.md). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's headless Chromium for the suite (launched before its tests, closed after); call the result for it. */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/**
 * Where the browser tests save their screenshots: docs/images (the docs' pictures) when
 * `EDP_UPDATE_SCREENSHOTS=1`, else a temporary folder, so a test run leaves the working tree clean.
 */
export function screenshotDir(): string {
  return process.env.EDP_UPDATE_SCREENSHOTS === '1'
    ? join(__dirname, '..', '..', 'docs', 'images')
    : join(tmpdir(), 'edp-test-screenshots');
}
