// The documents a user reads: every relative link and path in README.md and docs/*.md names a
// file of this repository (and, with #fragment, a heading of it), and every example of docs/
// that prints prints what the page shows under it.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { activationEntry, ACTIVATIONS } from '../src/activations.js';
import * as simdnet from '../src/index.js';
import type { Backend } from '../src/wasm/load.js';
import { BACKENDS } from './support/kernels.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
const PAGES = ['README.md', ...DOCS];
const read = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

/** GitHub's anchor for each heading of a Markdown page (a repeated heading gets -1, -2, …). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of outsideFences(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** The page with its fenced code blocks blanked out. */
function outsideFences(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

// Where target, written in page, points: a file inside the repository and the anchor asked for.
function resolveTarget(page: string, target: string): { path: string; inside: boolean; anchor?: string } {
  const [file, anchor] = target.split('#') as [string, string | undefined];
  const path = file === '' ? join(ROOT, page) : resolve(ROOT, dirname(page), decodeURIComponent(file));
  const fromRoot = relative(ROOT, path);
  const inside = !fromRoot.startsWith('..') && !/^(node_modules|dist|build)(\/|$)/.test(fromRoot);
  return { path, inside, anchor };
}

describe.each(PAGES)('%s', (page) => {
  const text = read(page);

  it('links only to files of this repository, and to headings that exist', () => {
    const links = [...outsideFences(text).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    const local = links.filter((link) => !/^[a-z]+:/i.test(link));
    expect(local.length).toBeGreaterThan(0);
    for (const link of local) {
      const { path, inside, anchor } = resolveTarget(page, link);
      expect(inside, `${link} leaves the repository`).toBe(true);
      expect(existsSync(path), `${link}: no such file`).toBe(true);
      if (anchor !== undefined) {
        expect(path.endsWith('.md') && statSync(path).isFile(), `${link}: an anchor into a file that is not Markdown`).toBe(true);
        expect([...anchors(readFileSync(path, 'utf8'))], `${link}: no such heading`).toContain(anchor);
      }
    }
  });

  it('names no path outside the repository, in code or prose', () => {
    for (const [path] of text.matchAll(/(?<![\w/.])(?:\.\.\/)+[\w@.+-]+(?:\/[\w@.+-]+)*/g)) {
      expect(resolveTarget(page, path).inside, `${path} leaves the repository`).toBe(true);
    }
  });
});

// The examples of docs/: each ```js block that prints is followed by a ```text block of what it prints.
const examples = DOCS.flatMap((page) => {
  const text = read(page);
  const blocks = [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)].map((m) => ({
    lang: m[1]!,
    body: m[2]!,
    heading: [...text.slice(0, m.index).matchAll(/^#+ +(.+)$/gm)].at(-1)?.[1] ?? '',
  }));
  return blocks.flatMap((block, i) =>
    block.lang === 'js' && block.body.includes('console.log(')
      ? [{ name: `${page}: ${block.heading}`, code: block.body, output: blocks[i + 1] }]
      : []);
});

// Runs an example as a module body with `import … from 'simdnet'` bound to the library (every
// network created on the given build) and returns what it printed.
async function runExample(code: string, backend: Backend): Promise<string> {
  const printed: string[] = [];
  const Network = { create: (config: simdnet.NetworkConfig) => simdnet.Network.create({ ...config, backend }) };
  const library = { ...simdnet, Network };
  const body = code.replace(/^import \{([^}]*)\} from 'simdnet';$/gm, 'const {$1} = library;');
  expect(body, 'an example imports only from simdnet').not.toMatch(/^import /m);
  const run = new Function('library', 'console', `return (async () => {\n${body}\n})();`) as
    (l: typeof library, c: Pick<Console, 'log'>) => Promise<void>;
  await run(library, { log: (...values: unknown[]) => printed.push(format(...values)) });
  return `${printed.join('\n')}\n`;
}

describe.each(BACKENDS)('docs examples print what the page shows (%s)', (backend) => {
  it('there are examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('$name', async ({ code, output }) => {
    expect(output?.lang, 'the block after an example that prints is its output, as ```text').toBe('text');
    expect(await runExample(code, backend)).toBe(output!.body);
  });
});

describe('docs/conventions.md', () => {
  // A row per activation: | `'name'` | g(z) | g′(z) |, the g(z) cell saying what the table's description says.
  const rows = new Map(
    [...read('docs/conventions.md').matchAll(/^\| `'(\w+)'` \| (.+?) \| .+ \|$/gm)].map(([, name, g]) => [name!, g!.replace(/`/g, '')]),
  );
  it.each(ACTIVATIONS)("has %s in its table of activations, as the activation table describes it", (activation) => {
    expect(rows.get(activation), `no row for '${activation}'`).toContain(activationEntry(activation).description);
  });
});
