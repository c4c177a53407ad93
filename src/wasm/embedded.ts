// Registers the two builds embedded in the JavaScript as base64 (build/wasm-bytes.js),
// so the main entry needs no .wasm file, loader or public path. The opt-in relaxed build
// and the threaded build are not embedded (they would add about 18 and 35 KB gzipped to
// every bundle): in Node they are read from the package's own dist/simdnet.relaxed.wasm
// and dist/simdnet.threads.wasm, beside this module; in browsers init() supplies them, or
// for threads the 'simdnet/threads' entry, which embeds its build.

import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from '../../build/wasm-bytes.js';
import { SimdnetError } from '../errors.js';
import { type Build, hasKernels, nodeFileSystem, provideKernels } from './load.js';

/** The bytes of base64 text. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Makes the embedded builds (and in Node the packaged relaxed and threaded builds) the ones networks use, until init() supplies others. */
export function provideEmbeddedKernels(): void {
  provideKernels('simd', () => WebAssembly.compile(decodeBase64(SIMD_WASM_BASE64)));
  provideKernels('scalar', () => WebAssembly.compile(decodeBase64(SCALAR_WASM_BASE64)));
  const fs = nodeFileSystem();
  if (!fs) return;
  for (const build of ['relaxed', 'threads'] as const) {
    // An entry that embeds the build ('simdnet/threads') may have been imported first.
    if (!hasKernels(build)) provideKernels(build, () => compilePackagedFile(build, (url) => fs.readFile(url)));
  }
}

async function compilePackagedFile(build: Build, readFile: (url: URL) => Promise<Uint8Array>): Promise<WebAssembly.Module> {
  // Not new URL('…', import.meta.url) in one expression: bundlers read that form as an asset
  // to copy into every browser build, and webpack warns ('Critical dependency') where the
  // name is not a literal. Apart, webpack writes the module's own file URL in its place.
  const here = import.meta.url;
  const url = new URL(`simdnet.${build}.wasm`, here);
  const bytes = await readFile(url).catch((error: unknown) => {
    throw new SimdnetError(
      `cannot read the ${build} wasm build at ${url.href} (${String(error)}); ` +
        `if simdnet was bundled, pass the file's bytes with init({ ${build} })`,
    );
  });
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}
