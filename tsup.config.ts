import { copyFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', slim: 'src/slim.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  treeshake: true,
  // The .wasm files themselves, for users of 'simdnet/slim' who host them.
  onSuccess: async () => {
    for (const build of ['simd', 'scalar']) copyFileSync(`build/simdnet.${build}.wasm`, `dist/simdnet.${build}.wasm`);
  },
});
