// Real Debian chromium through playwright-core, offline: every http(s) request is aborted and
// recorded so a test can assert that a report never touches the network.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `extra`: more chromium flags (a test CA's key pin, say). */
export function launch(extra: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extra] });
}

export interface OfflinePage {
  page: Page;
  /** Every network (non-file, non-data) request the page attempted. */
  requests: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
}

export async function openOffline(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<OfflinePage> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    if (!/^(file|data|blob|about):/.test(r.url())) requests.push(r.url());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.route('**', (route) => (/^https?:|^wss?:/.test(route.request().url()) ? route.abort() : route.continue()));
  await page.goto(url);
  return { page, requests, errors };
}
