// The headless Chrome or Chromium that the browser tests and the benchmark's browser peers drive
// through playwright-core, the first found of: the binary SIMDNET_CHROMIUM names, the system's
// Chrome or Chromium, and on Linux x64 the Chromium that `npm install` brings in the
// @sparticuz/chromium package, unpacked once into node_modules/.cache/ (the package itself
// unpacks into the shared temporary folder, where two processes unpacking at once would write
// over each other).

import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium as playwright } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');

const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const MAC_BROWSERS = [
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

// Playwright gives every launch a fresh temporary profile (user-data-dir) and removes it on close.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function systemBrowser() {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [...SYSTEM_BROWSERS.flatMap((name) => onPath.map((dir) => join(dir, name))), ...MAC_BROWSERS];
  return candidates.find(isExecutable);
}

/** The @sparticuz/chromium package's folder, where this machine can run its Chromium (Linux x64) and npm installed it. */
function provisionerPackage() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  try {
    return resolve(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..');
  } catch {
    return undefined;
  }
}

/** { executable } | { provisioner } | { missing }: the first browser found, or why there is none. */
function find() {
  const named = process.env.SIMDNET_CHROMIUM;
  if (named) return isExecutable(named) ? { executable: named } : { missing: `SIMDNET_CHROMIUM=${named} is not an executable file` };
  const system = systemBrowser();
  if (system) return { executable: system };
  const provisioner = provisionerPackage();
  if (provisioner) return { provisioner };
  return {
    missing: 'no Chrome or Chromium found: set SIMDNET_CHROMIUM to the path of one, or install one (Debian: apt-get install chromium); ' +
      'on Linux x64, npm install brings one in the @sparticuz/chromium package',
  };
}

const found = find();

/** Why no browser can be launched here, or undefined when one was found. */
export const BROWSER_MISSING = found.missing;

/** Unpacks the package's Chromium, once per version; returns the path of its executable. */
async function unpackedChromium(provisioner) {
  const { version } = JSON.parse(readFileSync(join(provisioner, 'package.json'), 'utf8'));
  const cache = join(root, 'node_modules', '.cache', 'simdnet-chromium');
  const unpacked = join(cache, version);
  const executable = join(unpacked, 'chromium');
  if (existsSync(executable)) return executable;
  // The package unpacks into os.tmpdir(): a child process whose TMPDIR is a fresh folder, which
  // becomes the cache entry in one rename, so no one ever sees a half-written binary.
  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(join(cache, `${version}-unpacking-`));
  try {
    const script = "import chromium from '@sparticuz/chromium'; await chromium.executablePath();";
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, TMPDIR: staging } });
    renameSync(staging, unpacked);
  } catch (error) {
    if (!existsSync(executable)) throw error;
    // Another process unpacked the same version first.
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return executable;
}

/** Launches the browser found, headless, with the flags this machine needs. */
export async function launchBrowser() {
  if (found.missing) throw new Error(found.missing);
  if (found.executable) return playwright.launch({ executablePath: found.executable, headless: true, args: FLAGS });
  const { default: sparticuz } = await import('@sparticuz/chromium');
  // Its flags are for serverless functions, whose one page is the browser's life: with
  // --single-process, closing a page closes the browser; under --disable-web-security no page is
  // cross-origin isolated, so none has SharedArrayBuffer's threads.
  const dropped = ['--single-process', '--disable-web-security'];
  const args = [...sparticuz.args.filter((flag) => !dropped.includes(flag)), ...FLAGS];
  return playwright.launch({ executablePath: await unpackedChromium(found.provisioner), headless: true, args });
}
