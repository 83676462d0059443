/** Headless Chromium for the page tests: Debian's chromium driven by playwright-core, with no network. */
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Flags for a sandbox-less root container with no network: no background requests, no first-run UI. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface OpenedPage {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

/** Opens a page file, recording console errors, page errors and every request but the file itself. */
export async function openPageFile(browser: Browser, file: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const url = `file://${file}`;
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, consoleErrors, requests };
}
