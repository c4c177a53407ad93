// Where the kernels come from and how they are compiled: each build is
// compiled once per process or page, from the bytes embedded in the main
// entry (the relaxed build: read from the package's own file, in Node) or from
// what the user hands to init(), and instantiated by src/wasm/heap.ts.

import type { BackendChoice } from '../config.js';
import { describe, SimdnetError } from '../errors.js';
import { plainObject } from '../validate.js';
import { threadsSupported } from './pool.js';
import type { Kernels } from './kernels.js';

/**
 * A wasm build of the kernels: f32x4 SIMD, plain scalar code that gives bit-identical results,
 * or (opt-in) the SIMD build whose matrix products use relaxed SIMD's f32x4.relaxed_madd, which
 * the engine may fuse or not, so its results may differ in the last bits from machine to machine.
 */
export type Backend = 'simd' | 'scalar' | 'relaxed';
/** The wasm files: one per backend, and the SIMD build over shared memory that threaded networks run (same bits as 'simd'). */
export type Build = Backend | 'threads';
const BUILDS: readonly Build[] = ['simd', 'scalar', 'relaxed', 'threads'];

/**
 * A wasm build as init() accepts it: the URL of a hosted .wasm file (fetched and compiled
 * while it streams in; in Node also a file path or file: URL, read from disk), a fetch
 * Response, the file's bytes, or an already compiled Module.
 */
export type WasmSource = string | URL | Response | PromiseLike<Response> | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

const ACCEPTED = 'a URL (in Node also a file path or file: URL), a fetch Response, the bytes of the file or a WebAssembly.Module';

/** Node's file system, where there is one: process.getBuiltinModule (Node ≥ 20.16), not an import browser bundles cannot resolve. */
export function nodeFileSystem(): typeof import('node:fs/promises') | undefined {
  return globalThis.process?.getBuiltinModule?.('node:fs/promises');
}

// The smallest module using a SIMD instruction (i8x16.popcnt, from the final
// SIMD proposal): an engine that validates it runs the SIMD build.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine runs WebAssembly fixed-width SIMD. */
export function simdSupported(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

// The same with f32x4.relaxed_madd of three splats: an engine that validates it runs the relaxed build.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

/** Whether this engine runs WebAssembly relaxed SIMD (Node 20: only with --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

const RELAXED_UNSUPPORTED =
  "config.backend 'relaxed' was requested, but this WebAssembly engine does not support relaxed SIMD " +
  '(f32x4.relaxed_madd): in Node 20 start node with --experimental-wasm-relaxed-simd; Chromium 114 and later have it; ' +
  "Firefox and Safari do not enable it by default. Use backend 'auto' or 'simd' there";

const sources = new Map<Build, () => Promise<WebAssembly.Module>>();
const compiled = new Map<Build, Promise<WebAssembly.Module>>();

/** Makes a build available without compiling it yet (the main entry registers its embedded bytes). */
export function provideKernels(backend: Build, compile: () => Promise<WebAssembly.Module>): void {
  sources.set(backend, compile);
  compiled.delete(backend);
}

/**
 * Supplies the wasm builds from files you host, for the `simdnet/slim` entry (which embeds
 * none) or to replace the embedded ones. Give at least one build; without SIMD support the
 * `scalar` build is needed. `relaxed` (opt-in, for `backend: 'relaxed'`) is ignored, and not
 * fetched, on engines without relaxed SIMD; `threads` (networks on more than one thread) where
 * threads cannot run. Resolves once the given builds have compiled; if any fails, none replaces
 * what was there.
 */
export async function init(options: {
  simd?: WasmSource; scalar?: WasmSource; relaxed?: WasmSource; threads?: WasmSource;
}): Promise<void> {
  const o = plainObject(options, 'init options', BUILDS);
  const named = BUILDS.filter((b) => o[b] !== undefined);
  if (named.length === 0) throw new SimdnetError("init needs a wasm source for 'simd' and/or 'scalar' (or 'relaxed')");
  const given = named.filter((b) => (b !== 'relaxed' || relaxedSimdSupported()) && (b !== 'threads' || threadsSupported()));
  const modules = await Promise.all(given.map((backend) => compileSource(o[backend] as WasmSource, backend)));
  given.forEach((backend, i) => provideKernels(backend, () => Promise.resolve(modules[i]!)));
}

async function compileSource(source: WasmSource, backend: Build): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return compileBytes(source, backend, 'the bytes given');
  if (typeof source === 'string' || source instanceof URL) {
    const file = localFile(source);
    return file === undefined ? compileResponse(fetchSource(source, backend), backend) : compileFile(file, backend);
  }
  if (typeof (source as PromiseLike<Response>).then === 'function' || isResponse(source)) {
    return compileResponse(Promise.resolve(source as Response | PromiseLike<Response>), backend);
  }
  throw new SimdnetError(`init: the ${backend} source must be ${ACCEPTED}, got ${describe(source)}`);
}

// In Node, the file on disk that a source names: a file: URL, or any string that is not an
// http(s), data: or blob: URL (a path, relative to the working directory). Elsewhere, and for
// those URLs, undefined: the source is fetched.
function localFile(source: string | URL): string | URL | undefined {
  if (!nodeFileSystem()) return undefined;
  if (source instanceof URL) return source.protocol === 'file:' ? source : undefined;
  if (/^file:/i.test(source)) return new URL(source);
  return /^(https?|data|blob):/i.test(source) ? undefined : source;
}

async function compileFile(file: string | URL, backend: Build): Promise<WebAssembly.Module> {
  const name = file instanceof URL ? file.href : file;
  const bytes = await nodeFileSystem()!.readFile(file).catch((error: unknown) => {
    throw new SimdnetError(`init: cannot read the ${backend} wasm build from ${name} (${reason(error)}); init takes ${ACCEPTED}`);
  });
  return compileBytes(bytes, backend, name);
}

function fetchSource(url: string | URL, backend: Build): Promise<Response> {
  return fetch(url).catch((error: unknown) => {
    throw new SimdnetError(`init: fetching the ${backend} wasm build from ${String(url)} failed (${reason(error)}); init takes ${ACCEPTED}`);
  });
}

// An error's message and that of its cause (fetch's TypeError says only 'fetch failed').
const reason = (error: unknown): string => {
  const { message, cause } = error as { message?: string; cause?: { message?: string } };
  return [message ?? String(error), cause?.message].filter(Boolean).join(': ');
};

const isResponse = (value: unknown): value is Response => typeof Response !== 'undefined' && value instanceof Response;

function compileBytes(bytes: ArrayBuffer | ArrayBufferView, backend: Build, from: string): Promise<WebAssembly.Module> {
  return named(WebAssembly.compile(bytes as BufferSource), backend, from);
}

// A compile that fails names the source it was given.
function named(compiling: Promise<WebAssembly.Module>, backend: Build, from: string): Promise<WebAssembly.Module> {
  return compiling.catch((error: unknown) => {
    throw new SimdnetError(`init: ${from} is not a valid ${backend} wasm build (${reason(error)})`);
  });
}

// Streams when the server labels the file application/wasm (compileStreaming requires it),
// otherwise compiles the downloaded bytes.
async function compileResponse(pending: PromiseLike<Response>, backend: Build): Promise<WebAssembly.Module> {
  const response = await pending;
  if (!response.ok) throw new SimdnetError(`init: fetching the ${backend} wasm failed: ${response.status} ${response.url}`);
  const streaming = typeof WebAssembly.compileStreaming === 'function' &&
    response.headers.get('content-type')?.split(';')[0]?.trim() === 'application/wasm';
  const from = response.url || 'the Response given';
  return streaming ? named(WebAssembly.compileStreaming(response), backend, from) : compileBytes(await response.arrayBuffer(), backend, from);
}

/** The build a backend choice resolves to here, among the builds that are available ('auto' never picks 'relaxed'). */
export function resolveBackend(choice: BackendChoice): Backend {
  if (choice === 'relaxed') {
    if (!relaxedSimdSupported()) throw new SimdnetError(RELAXED_UNSUPPORTED);
    if (sources.has('relaxed')) return 'relaxed';
    throw new SimdnetError(
      "the relaxed wasm build has not been provided: no entry embeds it, so call init({ relaxed: url or bytes }) first " +
        "with the package's dist/simdnet.relaxed.wasm ('simdnet/relaxed.wasm'; in Node, import 'simdnet' reads it by itself)",
    );
  }
  if (choice === 'simd' && !simdSupported()) {
    throw new SimdnetError("config.backend 'simd' was requested, but this WebAssembly engine does not support SIMD");
  }
  const wanted: Backend = choice === 'scalar' || !simdSupported() ? 'scalar' : 'simd';
  if (sources.has(wanted)) return wanted;
  if (choice === 'auto' && wanted === 'simd' && sources.has('scalar')) return 'scalar';
  throw new SimdnetError(
    `the ${wanted} wasm build has not been provided: the 'simdnet/slim' entry embeds none, so call ` +
      `init({ ${wanted}: url or bytes }) first (or import 'simdnet', which embeds both)`,
  );
}

/** Whether a build has been provided (embedded, or given to init). */
export function hasKernels(build: Build): boolean {
  return sources.has(build);
}

/** The compiled module of a build, compiled on first use. */
export function compileKernels(backend: Build): Promise<WebAssembly.Module> {
  let module = compiled.get(backend);
  if (!module) {
    const source = sources.get(backend);
    if (!source) throw new SimdnetError(`the ${backend} wasm build has not been provided; call init() first`);
    module = source();
    compiled.set(backend, module);
    module.catch(() => compiled.delete(backend));
  }
  return module;
}
