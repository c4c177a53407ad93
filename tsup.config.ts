import { copyFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

// 'simdnet/formats' builds its networks with the main entry's Network (the one class, with the
// embedded wasm), so it imports dist/index.js (or .cjs) rather than bundling a second copy. With
// treeshake, tsup runs esbuild in ESM for both formats: the output extension tells them apart.
const mainEntryOfFormats: Plugin = {
  name: 'main-entry-of-formats',
  setup(build) {
    const index = resolve('src/index.js');
    build.onResolve({ filter: /^(\.\.\/)+index\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === index && args.resolveDir.startsWith(resolve('src/formats'))
        ? { path: build.initialOptions.outExtension?.['.js'] === '.cjs' ? './index.cjs' : './index.js', external: true }
        : undefined);
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts', slim: 'src/slim.ts', threads: 'src/threads.ts', formats: 'src/formats/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'es2022',
    platform: 'neutral',
    sourcemap: true,
    // Everything but the CLI, which the second build writes at the same time.
    clean: ['!cli.js', '!cli.js.map'],
    treeshake: true,
    // import.meta.url in the CJS build too: the main entry reads dist/simdnet.relaxed.wasm in Node.
    shims: true,
    esbuildPlugins: [mainEntryOfFormats],
    // The .wasm files themselves, for users of 'simdnet/slim' who host them (and the relaxed
    // build, which no entry embeds).
    onSuccess: async () => {
      for (const build of ['simd', 'scalar', 'relaxed', 'threads']) copyFileSync(`build/simdnet.${build}.wasm`, `dist/simdnet.${build}.wasm`);
    },
  },
  {
    // The `simdnet` command (package.json "bin"): Node only, ESM only. It uses the library
    // through dist/index.js rather than a second bundled copy of it.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    clean: false,
    banner: { js: '#!/usr/bin/env node' },
    esbuildPlugins: [
      {
        name: 'library-from-dist',
        setup(build) {
          build.onResolve({ filter: /^(\.\.\/)+index\.js$/ }, () => ({ path: './index.js', external: true }));
        },
      },
    ],
  },
]);
