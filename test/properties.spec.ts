// Property-based tests (fast-check): fromJSON on random mutations of valid JSON, exact round
// trips of random networks, fit/evaluate/predict on random garbage, and training on valid but
// extreme values. Whatever comes in, the library either succeeds on valid input with finite
// results or throws a SimdnetError and leaves the network as it was (or, for a diverged fit, as
// an epoch of it began).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DivergenceError, type LayerConfig, type Loss, type Matrix, Network, type NetworkConfig, type NetworkJSON,
  SimdnetError,
} from '../src/index.js';
import { ACTIVATIONS } from '../src/activations.js';
import { engineOf } from '../src/network.js';
import { expectNamedError, weightHash } from './support/untouched.js';

const LOSSES: Loss[] = ['squaredError', 'binaryCrossentropy', 'categoricalCrossentropy'];

// Random valid configurations: softmax layers and categorical outputs get at least 2 units.
const layerArb = fc.record({
  units: fc.integer({ min: 1, max: 5 }),
  activation: fc.constantFrom(...ACTIVATIONS),
  bias: fc.boolean(),
  trainBias: fc.boolean(),
  alpha: fc.option(fc.float({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
});
const configArb = fc.record({
  inputs: fc.integer({ min: 1, max: 5 }),
  layers: fc.array(layerArb, { minLength: 1, maxLength: 4 }),
  loss: fc.constantFrom(...LOSSES),
  seed: fc.nat(),
}).map(({ inputs, layers, loss, seed }): NetworkConfig => ({
  inputs,
  loss,
  seed,
  layers: layers.map(({ units, activation, bias, trainBias, alpha }, l): LayerConfig => ({
    units: activation === 'softmax' || (loss === 'categoricalCrossentropy' && l === layers.length - 1) ? Math.max(2, units) : units,
    activation,
    bias,
    trainBias: bias && trainBias,
    ...(activation === 'leakyRelu' && alpha !== undefined ? { alpha } : {}),
  })),
}));

/** A saved network built directly from a config: every weight and bias is some float32. */
function jsonOf(config: NetworkConfig): NetworkJSON {
  let width = config.inputs;
  let k = 0;
  const value = (): number => Math.fround(((k++ * 7919) % 29) / 8 - 1.75);
  return {
    format: 'simdnet', version: 1, inputs: config.inputs, loss: config.loss, seed: config.seed!,
    layers: config.layers.map((layer) => {
      const weights = Array.from({ length: width * layer.units }, value);
      width = layer.units;
      return {
        ...layer, bias: layer.bias!, trainBias: layer.trainBias!, weights,
        biases: layer.bias ? Array.from({ length: layer.units }, value) : null,
      };
    }),
  };
}

// What a mutation may put in place of a value.
const junkArb = fc.oneof(
  fc.constantFrom(
    Number.NaN, Infinity, -Infinity, -1, 0, -0, 0.5, 1.5, 2 ** 24, 2 ** 24 + 1, 2 ** 31, 2 ** 53, 1e39, 1e308,
    '', '1', 'softmax', null, true, undefined, [], {}, [1, 2, 3],
  ),
  fc.anything({ maxDepth: 3 }),
);
type Mutation =
  | { kind: 'delete' | 'truncate' | 'extend' | 'deepen'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'inject'; at: number; key: string; value: unknown };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'truncate', 'extend', 'deepen'), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace'), at: fc.nat(), value: junkArb }),
  fc.record({ kind: fc.constant('inject'), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra'), value: junkArb }),
) as fc.Arbitrary<Mutation>;

type Node = Record<string, unknown> | unknown[];
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/** Every object and array inside root (root included), with each one's parent and key. */
function nodes(root: Node): { node: Node; parent?: Node; key?: string | number }[] {
  const found: { node: Node; parent?: Node; key?: string | number }[] = [{ node: root }];
  for (let i = 0; i < found.length; i++) {
    const { node } = found[i]!;
    for (const [key, child] of Object.entries(node)) if (isNode(child)) found.push({ node: child, parent: node, key });
  }
  return found;
}

function mutate(root: Node, m: Mutation): void {
  const targets = nodes(root);
  const { node, parent, key } = targets[m.at % targets.length]!;
  const keys = Object.keys(node);
  const pick = keys[m.at % Math.max(1, keys.length)];
  switch (m.kind) {
    case 'delete':
      if (pick !== undefined) delete (node as Record<string, unknown>)[pick];
      break;
    case 'truncate':
      if (Array.isArray(node)) node.length = Math.floor(node.length / 2);
      break;
    case 'extend':
      if (Array.isArray(node)) node.push(0.25);
      break;
    case 'deepen':
      if (parent && key !== undefined) {
        let deep: unknown = node;
        for (let d = 0; d < 2000; d++) deep = [deep];
        (parent as Record<string, unknown>)[key] = deep;
      }
      break;
    case 'replace':
      if (pick !== undefined) (node as Record<string, unknown>)[pick] = m.value;
      break;
    case 'inject':
      // defineProperty: an own key even for '__proto__', as JSON.parse makes it.
      Object.defineProperty(node, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      break;
  }
}

// JSON text of a mutated document, or the document itself when two deepenings nest it past
// what JSON.stringify's recursion allows under the property runner's stack.
function textOf(json: Node): unknown {
  try {
    return JSON.stringify(json);
  } catch (error) {
    if (error instanceof RangeError) return json;
    throw error;
  }
}

const instantiate = vi.spyOn(WebAssembly, 'instantiate');
const prototypeKeys = (): string[] => Object.getOwnPropertyNames(Object.prototype);
const cleanPrototype = prototypeKeys();

describe('fromJSON on mutated JSON', () => {
  afterAll(() => instantiate.mockRestore());

  it('succeeds or throws a SimdnetError, never instantiates wasm for what it rejects, and pollutes nothing', async () => {
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.boolean(), async (config, mutations, asText) => {
        const json = jsonOf(config) as unknown as Node;
        for (const m of mutations) mutate(json, m);
        const input = asText ? textOf(json) : json;
        const calls = instantiate.mock.calls.length;
        try {
          const net = await Network.fromJSON(input as unknown as NetworkJSON);
          // Accepted: its memory is in proportion to the weights it really holds.
          const weights = net.getWeights().reduce((n, l) => n + l.weights.length + (l.bias?.length ?? 0), 0);
          expect(engineOf(net).arena.bytes).toBeLessThanOrEqual(2 ** 16 + 64 * weights);
          net.dispose();
        } catch (error) {
          expect(error).toBeInstanceOf(SimdnetError);
          expect(instantiate.mock.calls.length).toBe(calls);
          rejected++;
        }
        expect(prototypeKeys()).toEqual(cleanPrototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1000, seed: 7 },
    );
    expect(rejected).toBeGreaterThan(200);
  });
});

const bits = (values: ArrayLike<number>): number[] => Array.from(new Uint32Array(Float32Array.from(values).buffer));

describe('valid random networks round-trip exactly', () => {
  // JSON text has no −0 (JSON.stringify(-0) is "0"), so generated weights are free of it.
  const weightArb = fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0);

  it('toJSON → JSON.stringify → fromJSON gives identical weight bits, config and predictions', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.array(weightArb, { minLength: 1, maxLength: 64 }), async (config, pool) => {
        const net = await Network.create(config);
        let k = 0;
        net.setWeights(net.getWeights().map(({ weights, bias }) => ({
          weights: weights.map(() => pool[k++ % pool.length]!),
          bias: bias && bias.map(() => pool[k++ % pool.length]!),
        })));
        const copy = await Network.fromJSON(JSON.stringify(net.toJSON()));
        expect(weightHash(copy)).toBe(weightHash(net));
        expect(copy.config).toEqual(net.config);
        const x = Float32Array.from({ length: 3 * config.inputs }, (_, i) => (i % 7) - 3);
        // Weights near the float32 limit can overflow the outputs: then both refuse alike.
        const outcome = (n: Network): number[] | string => {
          try {
            return bits(n.predict(x));
          } catch (error) {
            expectNamedError(error, /are NaN or Infinity/);
            return (error as Error).message;
          }
        };
        expect(outcome(copy)).toEqual(outcome(net));
        net.dispose();
        copy.dispose();
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});

// ---- fit, evaluate and predict on garbage ----

const NETS: NetworkConfig[] = LOSSES.map((loss, i) => ({
  inputs: 3,
  layers: [{ units: 4, activation: 'tanh' }, { units: 2, activation: loss === 'squaredError' ? 'linear' : 'softmax' }],
  loss,
  seed: i,
}));

type Form = 'rows' | 'flat' | 'float32' | 'float64';
type DataMutation =
  | { kind: 'cell'; r: number; j: number; value: unknown }
  | { kind: 'dropCell' | 'dropRow' | 'addRow' | 'hole'; r: number }
  | { kind: 'whole'; value: unknown };
const dataMutationArb: fc.Arbitrary<DataMutation> = fc.oneof(
  fc.record({ kind: fc.constant('cell'), r: fc.nat(), j: fc.nat(), value: fc.oneof(junkArb, fc.double()) }),
  fc.record({ kind: fc.constantFrom('dropCell', 'dropRow', 'addRow', 'hole'), r: fc.nat() }),
  fc.record({ kind: fc.constant('whole'), value: junkArb }),
) as fc.Arbitrary<DataMutation>;
const sideArb = fc.record({
  form: fc.constantFrom<Form>('rows', 'flat', 'float32', 'float64'),
  mutations: fc.array(dataMutationArb, { maxLength: 2 }),
});

/** Valid data for a network: x in [−1, 1]; y one-hot for the cross-entropies, any number for squared error. */
function validData(rows: number, config: NetworkConfig): { x: unknown[][]; y: unknown[][] } {
  const x = Array.from({ length: rows }, (_, r) => Array.from({ length: config.inputs }, (_, j) => Math.sin(r * 3 + j)));
  const y = Array.from({ length: rows }, (_, r) => [0, 1].map((j) => (config.loss === 'squaredError' ? r - j : Number((r + j) % 2 === 0))));
  return { x, y };
}

function applyData(rows: unknown[][], mutations: DataMutation[], form: Form): unknown {
  let m: unknown = rows.map((row) => [...row]);
  for (const mutation of mutations) {
    if (!Array.isArray(m)) break;
    const list = m as unknown[][];
    const r = 'r' in mutation ? mutation.r % Math.max(1, list.length) : 0;
    if (mutation.kind === 'whole') m = mutation.value;
    else if (mutation.kind === 'dropRow') list.splice(r, 1);
    else if (mutation.kind === 'addRow') list.push([...(list[0] ?? [0])]);
    else if (mutation.kind === 'hole') delete list[r];
    else if (!Array.isArray(list[r])) continue;
    else if (mutation.kind === 'cell') list[r]![mutation.j % list[r]!.length] = mutation.value;
    else list[r]!.pop();
  }
  if (form === 'rows' || !Array.isArray(m) || !(m as unknown[]).every(Array.isArray)) return m;
  const flat = (m as unknown[][]).flat();
  if (form === 'flat') return flat;
  // A typed array can hold only numbers: other values leave the array as it is.
  if (!flat.every((v) => typeof v === 'number')) return flat;
  return form === 'float32' ? Float32Array.from(flat as number[]) : Float64Array.from(flat as number[]);
}

/** The float32 values of a matrix of the given width, or null if the library must reject it (written from the README's rules). */
function cellsOf(m: unknown, width: number): number[] | null {
  let values: unknown[];
  if (m instanceof Float32Array || m instanceof Float64Array) values = Array.from(m);
  else if (!Array.isArray(m) || m.length === 0) return null;
  else if (Array.isArray(m[0])) {
    values = [];
    for (let r = 0; r < m.length; r++) {
      const row: unknown = m[r];
      if (!Array.isArray(row) || row.length !== width) return null;
      values.push(...Array.from(row as unknown[]));
    }
  } else values = Array.from(m as unknown[]);
  if (values.length === 0 || values.length % width !== 0) return null;
  const cells = values.map((v) => (typeof v === 'number' ? Math.fround(v) : Number.NaN));
  return cells.every(Number.isFinite) ? cells : null;
}

function targetsValid(y: number[], loss: Loss): boolean {
  if (loss === 'squaredError') return true;
  if (!y.every((v) => v >= 0 && v <= 1)) return false;
  if (loss === 'binaryCrossentropy') return true;
  for (let r = 0; r < y.length; r += 2) if (Math.abs(y[r]! + y[r + 1]! - 1) > 1e-3) return false;
  return true;
}

describe('fit, evaluate and predict on random input', () => {
  const nets: Network[] = [];
  beforeAll(async () => {
    for (const config of NETS) nets.push(await Network.create(config));
  });
  afterAll(() => nets.forEach((net) => net.dispose()));

  it('succeed exactly when the input is valid; otherwise a SimdnetError and the weights unchanged', async () => {
    let valid = 0;
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: NETS.length - 1 }), fc.integer({ min: 1, max: 6 }), sideArb, sideArb, fc.constantFrom('fit', 'evaluate', 'predict'),
        async (n, rows, xSide, ySide, call) => {
          const net = nets[n]!;
          const config = NETS[n]!;
          const data = validData(rows, config);
          const x = applyData(data.x, xSide.mutations, xSide.form) as Matrix;
          const y = applyData(data.y, ySide.mutations, ySide.form) as Matrix;
          const xs = cellsOf(x, config.inputs);
          const ys = cellsOf(y, 2);
          const ok = xs !== null && (call === 'predict' || (ys !== null && xs.length / config.inputs === ys.length / 2 && targetsValid(ys, config.loss)));
          const before = weightHash(net);
          try {
            if (call === 'fit') await net.fit(x, y, { epochs: 1, batchSize: 2, optimizer: { type: 'sgd', learningRate: 0.01 } });
            else if (call === 'evaluate') net.evaluate(x, y);
            else net.predict(x);
          } catch (error) {
            expectNamedError(error, /./);
            expect(ok).toBe(false);
            expect(weightHash(net)).toBe(before);
            invalid++;
            return;
          }
          expect(ok).toBe(true);
          valid++;
        },
      ),
      { numRuns: 1500, seed: 3 },
    );
    // Both outcomes were exercised.
    expect(valid).toBeGreaterThan(50);
    expect(invalid).toBeGreaterThan(100);
  });
});

// ---- training on valid but extreme values ----

const EXTREMES = [0, -0, 1e-38, -1e-30, 1, -1, 1e10, -1e19, 3e38, -3.4e38];
const finiteEverywhere = (net: Network): boolean => net.getWeights().every(
  ({ weights, bias }) => weights.every(Number.isFinite) && (bias ?? []).every(Number.isFinite),
);

describe('training on extreme but valid values', () => {
  it('fit resolves with finite losses or rejects with a DivergenceError and finite weights; predict and evaluate answer finite values or refuse', async () => {
    const outcomes = { trained: 0, diverged: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        configArb,
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.oneof(fc.constantFrom(...EXTREMES), fc.double({ min: -4, max: 4, noNaN: true })), { minLength: 1, maxLength: 40 }),
        fc.constantFrom('sgd', 'momentum', 'adam') ,
        fc.constantFrom(1e-3, 0.5, 1e3, 1e15, 1e30, 3e38),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        async (config, rows, pool, type, learningRate, batchSize, validate) => {
          const net = await Network.create(config);
          try {
            const inputs = config.inputs;
            const outputs = config.layers.at(-1)!.units;
            const x = Float32Array.from({ length: rows * inputs }, (_, i) => pool[i % pool.length]!);
            const y = validData(rows, { ...config, layers: [{ units: outputs, activation: 'linear' }] }).y
              .map((row) => Array.from({ length: outputs }, (_, j) => (config.loss === 'squaredError' ? Number(row[j % 2]) : Number(j === 0))));
            try {
              const history = await net.fit(x, y, {
                epochs: 3, batchSize, optimizer: { type, learningRate }, ...(validate && rows > 1 ? { validationSplit: 0.4 } : {}),
              });
              expect([...history.loss, ...(history.valLoss ?? [])].every(Number.isFinite)).toBe(true);
              outcomes.trained++;
            } catch (error) {
              expect(error).toBeInstanceOf(DivergenceError);
              expect((error as DivergenceError).restoredEpoch).toBeLessThanOrEqual((error as DivergenceError).epoch);
              outcomes.diverged++;
            }
            expect(finiteEverywhere(net)).toBe(true);
            const before = weightHash(net);
            for (const call of [() => net.predict(x), () => net.evaluate(x, y).loss]) {
              try {
                const result = call();
                expect((typeof result === 'number' ? [result] : Array.from(result)).every(Number.isFinite)).toBe(true);
              } catch (error) {
                expectNamedError(error, /outputs for .* are NaN or Infinity/);
                outcomes.refused++;
              }
            }
            expect(weightHash(net)).toBe(before);
          } finally {
            net.dispose();
          }
        },
      ),
      { numRuns: 1000, seed: 19 },
    );
    expect(outcomes.trained).toBeGreaterThan(100);
    expect(outcomes.diverged).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(20);
  });
});
