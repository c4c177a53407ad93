// The contract between src/ and the wasm builds: the shared constants of
// src/abi.ts, checked against the debug build, and the functions of the
// Kernels interface, checked against each build the library embeds.

import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import * as abi from '../src/abi.js';
import { MAX_THREADS } from '../src/config.js';
import type { Kernels } from '../src/wasm/kernels.js';
import { compileKernels } from '../src/wasm/load.js';
import { BUILDS } from './support/kernels.js';

/**
 * Parameter count of every function in the Kernels interface, written out by
 * reading src/wasm/kernels.ts. The mapped type makes tsc reject a table that
 * misses or invents a function; the test below re-reads kernels.ts so a
 * changed parameter list cannot go unnoticed either.
 */
const ARITY: { readonly [K in Exclude<keyof Kernels, 'memory'>]: number } = {
  heapBase: 0,
  firstNonFinite: 2,
  parallelFirstNonFinite: 3,
  gemmScratchBytes: 0,
  setGemmScratch: 1,
  gemmNN: 6,
  gemmTN: 6,
  gemmNT: 7,
  gemmStrided: 10,
  transpose: 4,
  columnSums: 5,
  panelBytes: 2,
  smallNN: 6,
  smallTN: 6,
  smallNT: 6,
  smallTNScaled: 9,
  rowTimesMatrix: 5,
  sgdOuter: 7,
  sgdBias: 4,
  narrowForward: 9,
  narrowBackward: 12,
  activate: 7,
  activationBackward: 7,
  dropoutKey: 3,
  dropout: 5,
  lossSum: 7,
  lossDelta: 12,
  countCorrect: 5,
  sgdStep: 4,
  momentumStep: 7,
  adamStep: 12,
  rmspropStep: 8,
  scaleAddWeights: 5,
  addL1: 4,
  clipValues: 3,
  scaleElements: 3,
  sumOfSquares: 2,
  sumOfAbs: 2,
  setPool: 2,
  work: 2,
  beginPrediction: 5,
  stagedRows: 1,
  endPrediction: 0,
  rngNext: 1,
  rngBelow: 2,
  shuffle: 3,
  learningRateAt: 8,
  gradient: 7,
  predict: 4,
  predictRow: 5,
  evaluate: 6,
  train: 4,
  abortRun: 2,
  beginStagedEpoch: 2,
  trainStaged: 7,
  rowPassesInOneJob: 2,
};

const ABI_CONSTANTS = Object.entries(abi) as [string, unknown][];

/** Method name → declared parameter count, parsed from the Kernels interface in src/wasm/kernels.ts. */
function declaredArities(): Map<string, number> {
  const path = new URL('../src/wasm/kernels.ts', import.meta.url);
  const source = ts.createSourceFile('kernels.ts', readFileSync(path, 'utf8'), ts.ScriptTarget.Latest);
  const arities = new Map<string, number>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'Kernels') return;
    for (const member of node.members) {
      if (ts.isMethodSignature(member) && ts.isIdentifier(member.name)) {
        arities.set(member.name.text, member.parameters.length);
      }
    }
  });
  return arities;
}

describe('the test table itself', () => {
  it('has the parameter counts src/wasm/kernels.ts declares, for every method it declares', () => {
    const declared = declaredArities();
    expect(declared.size).toBeGreaterThan(20);
    expect(Object.fromEntries(declared)).toEqual(ARITY);
  });

  it('src/abi.ts exports only integer constants', () => {
    expect(ABI_CONSTANTS.length).toBeGreaterThan(50);
    for (const [name, value] of ABI_CONSTANTS) {
      expect(Number.isInteger(value), `${name} = ${String(value)}`).toBe(true);
    }
  });
});

describe("the thread pool's control block", () => {
  // [name, offset, values, bytes per value] of every field, as assembly/parallel.ts reads and
  // writes them.
  const fields: [string, number, number, number][] = [
    ['GENERATION', abi.CONTROL_GENERATION, 1, 4],
    ['KIND', abi.CONTROL_KIND, 1, 4],
    ['PARTS', abi.CONTROL_PARTS, 1, 4],
    ['STOP', abi.CONTROL_STOP, 1, 4],
    ['FAULT', abi.CONTROL_FAULT, 1, 4],
    ['ARGS', abi.CONTROL_ARGS, 16, 4],
    ['CLAIM', abi.CONTROL_CLAIM, 1, 8],
    ['OWNERS', abi.CONTROL_OWNERS, 1, 4],
    ['PAUSE', abi.CONTROL_PAUSE, 1, 4],
    ['DONE', abi.CONTROL_DONE, 1, 4],
    ['FAILED', abi.CONTROL_FAILED, 1, 4],
    ['READY', abi.CONTROL_READY, 1, 4],
    ['STOLEN', abi.CONTROL_STOLEN, 1, 4],
    ['STAGED', abi.CONTROL_STAGED, 1, 4],
    ['OWNED', abi.CONTROL_OWNED, MAX_THREADS, abi.CONTROL_OWNED_STEP],
  ];

  it('holds its fields without overlap, each aligned to its values (atomics trap on a misaligned address)', () => {
    const sorted = [...fields].sort((a, b) => a[1] - b[1]);
    for (let i = 0; i < sorted.length; i++) {
      const [name, offset, values, bytes] = sorted[i]!;
      expect(offset % bytes, `${name} at ${offset}`).toBe(0);
      const end = i + 1 < sorted.length ? sorted[i + 1]![1] : abi.CONTROL_BYTES;
      expect(offset + values * bytes, `${name} ends past the next field`).toBeLessThanOrEqual(end);
    }
  });

  it('keeps what the workers write often on a 64-byte line apart from what the leader writes per job', () => {
    const line = (offset: number) => Math.floor(offset / 64);
    for (const [name, offset] of fields.filter(([name]) => !['DONE', 'FAILED', 'READY', 'STOLEN'].includes(name))) {
      expect(line(offset), name).not.toBe(line(abi.CONTROL_DONE));
    }
    expect(abi.CONTROL_BYTES % 64).toBe(0);
  });

  it('gives the chunks each thread owns a 64-byte line of their own, for as many threads as a network may have', () => {
    // The fields' test above holds MAX_THREADS of them within the block.
    expect(abi.CONTROL_OWNED % 64).toBe(0);
    expect(abi.CONTROL_OWNED_STEP % 64).toBe(0);
  });
});

// The embedded builds export no constants (they would only add to every download); the debug
// build, compiled from the same sources, exports them for this check.
describe('debug build', () => {
  let exports: Record<string, unknown>;

  beforeAll(async () => {
    const module = await WebAssembly.compile(readFileSync(new URL('../build/simdnet.debug.wasm', import.meta.url)));
    exports = (await WebAssembly.instantiate(module, {})).exports as Record<string, unknown>;
  });

  it.each(ABI_CONSTANTS)('exports %s as a global equal to src/abi.ts', (name, value) => {
    const global = exports[name];
    expect(global, `${name} is not exported as a global`).toBeInstanceOf(WebAssembly.Global);
    expect((global as WebAssembly.Global).value).toBe(value);
  });
});

describe.each(BUILDS)('%s build', (backend) => {
  let module: WebAssembly.Module;
  let exports: Record<string, unknown>;

  beforeAll(async () => {
    module = await compileKernels(backend);
    exports = (await WebAssembly.instantiate(module, {})).exports as Record<string, unknown>;
  });

  it.each(Object.entries(ARITY))('exports %s() with %i parameters', (name, arity) => {
    const fn = exports[name];
    expect(typeof fn, `${name} is not exported as a function`).toBe('function');
    expect((fn as (...args: never[]) => unknown).length).toBe(arity);
  });

  it('exports nothing beyond the memory and the Kernels functions', () => {
    const extra = WebAssembly.Module.exports(module).filter(({ name, kind }) => {
      if (kind === 'memory') return name !== 'memory';
      if (kind === 'function') return !Object.hasOwn(ARITY, name);
      return true;
    });
    expect(extra).toEqual([]);
    expect(exports.memory).toBeInstanceOf(WebAssembly.Memory);
  });

  it('takes no imports (nothing leaves wasm, no JS Math)', () => {
    expect(WebAssembly.Module.imports(module)).toEqual([]);
  });
});
