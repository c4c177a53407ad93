// Compiles the embedded wasm builds (once per process or page) and
// instantiates one module instance, with its own memory, per network.

import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from '../../build/wasm-bytes.js';
import type { BackendChoice } from '../config.js';
import { SimdnetError } from '../errors.js';
import type { Kernels } from './kernels.js';

/** A wasm build of the kernels: f32x4 SIMD, or plain scalar code that gives bit-identical results. */
export type Backend = 'simd' | 'scalar';

// The smallest module using a SIMD instruction (i8x16.popcnt, from the final
// SIMD proposal): an engine that validates it runs the SIMD build.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine runs WebAssembly fixed-width SIMD. */
export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/** The build a backend choice resolves to here. */
export function resolveBackend(choice: BackendChoice): Backend {
  if (choice === 'scalar') return 'scalar';
  if (choice === 'simd' && !simdSupported()) {
    throw new SimdnetError("config.backend 'simd' was requested, but this WebAssembly engine does not support SIMD");
  }
  return choice === 'simd' || simdSupported() ? 'simd' : 'scalar';
}

const compiled = new Map<Backend, Promise<WebAssembly.Module>>();

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled module of a build, compiled on first use. */
export function compileKernels(backend: Backend): Promise<WebAssembly.Module> {
  let module = compiled.get(backend);
  if (!module) {
    module = WebAssembly.compile(decodeBase64(backend === 'simd' ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64));
    compiled.set(backend, module);
  }
  return module;
}

/** A fresh instance of a build: its own linear memory, nothing shared with other instances. */
export async function instantiateKernels(backend: Backend): Promise<Kernels> {
  const instance = await WebAssembly.instantiate(await compileKernels(backend), {});
  return instance.exports as unknown as Kernels;
}
