// Registers the two builds embedded in the JavaScript as base64 (build/wasm-bytes.js),
// so the main entry needs no .wasm file, loader or public path.

import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from '../../build/wasm-bytes.js';
import { provideKernels } from './load.js';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Makes the embedded builds the ones networks use, until init() supplies others. */
export function provideEmbeddedKernels(): void {
  provideKernels('simd', () => WebAssembly.compile(decodeBase64(SIMD_WASM_BASE64)));
  provideKernels('scalar', () => WebAssembly.compile(decodeBase64(SCALAR_WASM_BASE64)));
}
