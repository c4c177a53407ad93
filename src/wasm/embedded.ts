// Registers the two builds embedded in the JavaScript as base64 (build/wasm-bytes.js),
// so the main entry needs no .wasm file, loader or public path. The opt-in relaxed build
// is not embedded (it would add about 18 KB gzipped to every bundle): in Node it is read
// from the package's own dist/simdnet.relaxed.wasm, beside this module; elsewhere
// init({ relaxed }) supplies it.

import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from '../../build/wasm-bytes.js';
import { SimdnetError } from '../errors.js';
import { nodeFileSystem, provideKernels } from './load.js';

const RELAXED_FILE = 'simdnet.relaxed.wasm';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Makes the embedded builds (and in Node the packaged relaxed build) the ones networks use, until init() supplies others. */
export function provideEmbeddedKernels(): void {
  provideKernels('simd', () => WebAssembly.compile(decodeBase64(SIMD_WASM_BASE64)));
  provideKernels('scalar', () => WebAssembly.compile(decodeBase64(SCALAR_WASM_BASE64)));
  const fs = nodeFileSystem();
  if (fs) provideKernels('relaxed', () => compileRelaxedFile((url) => fs.readFile(url)));
}

async function compileRelaxedFile(readFile: (url: URL) => Promise<Uint8Array>): Promise<WebAssembly.Module> {
  // Not new URL('…', import.meta.url) in one expression: bundlers read that form as an asset
  // to copy into every browser build, and webpack warns ('Critical dependency') where the
  // name is not a literal. Apart, webpack writes the module's own file URL in its place.
  const here = import.meta.url;
  const url = new URL(RELAXED_FILE, here);
  const bytes = await readFile(url).catch((error: unknown) => {
    throw new SimdnetError(
      `cannot read the relaxed wasm build at ${url.href} (${String(error)}); ` +
        "if simdnet was bundled, pass the file's bytes with init({ relaxed })",
    );
  });
  return WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
}
