/**
 * Debian's Chromium for the browser suites, driven by playwright-core (never a downloaded
 * browser). Suites skip themselves, with a warning, where it is not installed.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BINS, type CliResult } from '../../devcluster/daemons.js';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/browser: ${CHROMIUM} is missing (apt install chromium); the browser suites are skipped`);

const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const VIEWPORT = { width: 1280, height: 900 } as const;

/** The daemons run from dist/: a clear error where `npm run build` was not run. */
export function requireBuild(): void {
  for (const bin of Object.values(BINS)) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` before the browser tests`);
  }
}

/** One browser with a profile in `profileDir`. */
export function launchPersistent(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: ARGS, viewport: VIEWPORT });
}

/** A browser whose contexts are separate users (cookies, credentials). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A full-page screenshot kept in the directory UI_SCREENSHOTS names (to judge the design; they
 * are not committed); nothing without it.
 */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UI_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/**
 * A page of a fresh context of `browser` (its own cookies): signed in as `user` with the
 * password the suites' security.ini gives every user, `USER-secret`; nobody signed in for null.
 */
export async function pageAs(browser: Browser | undefined, user: string | null): Promise<Page> {
  if (!browser) throw new Error('the browser did not start (see the suite\'s beforeAll)');
  const context = await browser.newContext({
    viewport: VIEWPORT,
    ...(user ? { httpCredentials: { username: user, password: `${user}-secret` } } : {}),
  });
  return context.newPage();
}

/** The stdout of a CLI run that must succeed; an error with its exit code and output otherwise. */
export async function mustRun(r: Promise<CliResult>, what: string): Promise<string> {
  const res = await r;
  if (res.code !== 0) throw new Error(`${what} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}
