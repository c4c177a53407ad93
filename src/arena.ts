// The one owner of a network's linear-memory layout. Nothing else computes
// an offset: callers ask the arena for addresses. Its blocks come from the
// network's heap (src/wasm/heap.ts), shared with other networks of the build:
//
//   fixed:     network record | run record | parameters | gradients
//   training:  two epoch-start snapshots, optimizer states, the best epoch's
//              checkpoint (parameters and optimizer states)   (on first use, kept)
//   workspace: one block per call in progress (a predict may run while a fit
//              waits between chunks); the last one released is kept for reuse
//              while it is small, so calls of one size allocate nothing. Only a
//              training call's holds what backward passes use (deltas, pre-
//              activations, dropped outputs, a batch's gathered rows); a fit's,
//              on several threads, also each layer's weights packed as its
//              products read them (gemm.ts panelBytes)
//   one row:   predictRow's input, output and two scratch rows   (on first use, kept)
//
// The parameter block holds each layer's weights (inputs × units, row-major)
// then its bias, every tensor starting on a 16-byte boundary, the gaps and
// the tail zero. Gradients share that layout, and so do the training blocks,
// so one kernel call updates every layer.
//
// Memory contract: every buffer starts 16-byte aligned; the kernels read and
// write only inside the buffers they are given (the matrix products' packs
// are a scratch block of the heap). Memory only grows, so addresses stay
// valid; the heap rebuilds its typed-array views when a growth has replaced
// the buffer.
//
// Addresses run up to 4 GiB, past the int32 range: they become view indices
// only through index32/index64 (unsigned shifts), and nothing else here or in
// the engine shifts or truncates an address.

import * as abi from './abi.js';
import { activationEntry } from './activations.js';
import { type LayerSpec, LOSS_IDS, type NetworkSpec } from './config.js';
import { alignUp, type Heap } from './wasm/heap.js';

/** The f32/i32/u32 view index of a byte address (unsigned: addresses of 2 GiB and more stay positive). */
export const index32 = (address: number): number => address >>> 2;
/** The f64 view index of an 8-byte-aligned byte address. */
export const index64 = (address: number): number => address >>> 3;

/** A released workspace up to this size (or the parameter block's) is kept for the next call. */
const KEPT_WORKSPACE_BYTES = 2 ** 20;
/**
 * Weights under which a first layer stays whole on threads: moving 64 KiB between two cores takes
 * about as long as handing a job to them (on a two-core VM, 64-32-10 on two threads trained 23 %
 * slower with its first layer in blocks, 784-128-64-10 9–10 % faster).
 */
const FIRST_LAYER_BLOCKS_MIN_WEIGHTS = 16384;

/** Byte addresses of one layer's tensors; bias and biasGrads are 0 for a layer without bias. */
export interface LayerTensors {
  weights: number;
  bias: number;
  weightGrads: number;
  biasGrads: number;
}

/** What a workspace must hold. Counts are in elements. */
export interface WorkspaceRequest {
  /** Rows the activation and delta buffers hold: the batch size, or the block size of inference. */
  capacity: number;
  /** Per-epoch statistics records. */
  stats?: number;
  /** Floats of staged inputs and targets, u32 row indices, and floats of outputs. */
  inputs?: number;
  targets?: number;
  order?: number;
  outputs?: number;
  /** Floats of row weights (and then a batch's worth of gathered weights). */
  weights?: number;
  /**
   * Whether calls through it run backward passes: room for each layer's delta, pre-activations
   * and dropped outputs, a batch's gathered rows and the transposed weights' scratch. Inference
   * needs none of them.
   */
  trains?: boolean;
  /**
   * Room for each layer's weights packed as a product reads them, where training batches read
   * them: batches that take the step within their gradient job, which packs them.
   */
  panels?: boolean;
  /**
   * Arrays the size of the first layer's weights to hold them, their gradients and the optimizer's
   * states by blocks of columns (assembly/train.ts), where the batches read panels and the first
   * layer, not the last, is taken element by element: a fit whose calls each run many batches, its
   * objective and step reading no weights of that layer but the blocks' (no penalty, no clipping).
   */
  firstLayerBlocks?: number;
}

/** Byte addresses of a workspace's buffers (0 where the request asked for none). */
export interface Workspace {
  readonly capacity: number;
  readonly stats: number;
  readonly inputs: number;
  readonly targets: number;
  readonly order: number;
  readonly outputs: number;
  readonly weights: number;
  readonly batchWeights: number;
  readonly activations: readonly number[];
  readonly deltas: readonly number[];
  /** Per layer, Z for an activation whose slope needs it, else 0. */
  readonly preactivations: readonly number[];
  /** Per layer, the outputs after dropout for a layer with dropout, else 0. */
  readonly dropped: readonly number[];
  /** Per layer, its weights' panels where the request asked for them and the layer has any, else 0. */
  readonly panels: readonly number[];
  /** The first layer's blocks where the request asked for them and its batches run so, else 0. */
  readonly firstLayerBlocks: number;
  readonly scratch: number;
  readonly batchInputs: number;
  readonly batchTargets: number;
  /** The block it was laid out in, and that block's bytes. */
  readonly block: number;
  readonly bytes: number;
  readonly request: Required<WorkspaceRequest>;
}

/** Byte addresses of the buffers of predictRow: a row of inputs, its outputs, and two rows of scratch. */
export interface RowBuffers {
  readonly inputs: number;
  readonly outputs: number;
  readonly scratch0: number;
  readonly scratch1: number;
}

export class Arena {
  readonly net: number;
  readonly run: number;
  readonly params: number;
  readonly grads: number;
  /** Floats in the parameter block, a multiple of 4. */
  readonly paramCount: number;
  readonly layers: readonly LayerTensors[];

  readonly heap: Heap;
  readonly #specs: readonly LayerSpec[];
  readonly #transposeScratch: boolean;
  /** Per layer, the bytes of its weights' panels on this network's threads (0: none). */
  readonly #panelBytes: readonly number[];
  /** Every block the arena holds, workspaces in use and kept included. */
  readonly #blocks = new Set<number>();
  /** Addresses of the parameter-sized optimizer states allocated so far. */
  readonly #states: number[] = [];
  #snapshots: readonly [number, number] | undefined;
  #rowBuffers: RowBuffers | undefined;
  /** The parameter-sized checkpoint blocks allocated so far: parameters, then optimizer states. */
  readonly #checkpoint: number[] = [];
  /** Workspaces in use, oldest first: the network record points at the newest. */
  readonly #inUse: Workspace[] = [];
  /** The last workspace released, if small: reused by an equal reserve. */
  #kept: Workspace | undefined;
  /** The workspace the network record points at. */
  #bound: Workspace | undefined;
  #disposed = false;
  readonly #keptLimit: number;

  /** transposeScratch: whether gemmNT needs room for a transposed weight matrix (the scalar build's does). */
  constructor(heap: Heap, spec: NetworkSpec, accuracy: number, transposeScratch: boolean, threads: number) {
    this.heap = heap;
    this.#specs = spec.layers;
    this.#transposeScratch = transposeScratch;
    this.#panelBytes = spec.layers.map((l) => (threads > 1 ? heap.kernels.panelBytes(l.inputs, l.units) : 0));
    const runOffset = alignUp(abi.NET_HEADER_BYTES + spec.layers.length * abi.LAYER_BYTES);
    const paramsOffset = alignUp(runOffset + abi.RUN_BYTES);
    const offsets: { weights: number; bias: number }[] = [];
    let bytes = 0;
    for (const layer of spec.layers) {
      const weights = bytes;
      bytes = alignUp(bytes + layer.inputs * layer.units * 4);
      const bias = layer.bias ? bytes : -1;
      if (layer.bias) bytes = alignUp(bytes + layer.units * 4);
      offsets.push({ weights, bias });
    }
    const size = paramsOffset + 2 * bytes;
    this.net = this.#alloc(size, 'the network');
    this.heap.f32.fill(0, index32(this.net), index32(this.net + size));
    this.run = this.net + runOffset;
    this.params = this.net + paramsOffset;
    this.paramCount = bytes / 4;
    this.grads = this.params + bytes;
    this.layers = offsets.map(({ weights, bias }) => ({
      weights: this.params + weights,
      bias: bias < 0 ? 0 : this.params + bias,
      weightGrads: this.grads + weights,
      biasGrads: bias < 0 ? 0 : this.grads + bias,
    }));
    this.#keptLimit = Math.max(KEPT_WORKSPACE_BYTES, bytes);
    this.#writeNetRecord(spec, accuracy, threads);
  }

  get f32(): Float32Array {
    return this.heap.f32;
  }
  get f64(): Float64Array {
    return this.heap.f64;
  }
  get i32(): Int32Array {
    return this.heap.i32;
  }
  get u32(): Uint32Array {
    return this.heap.u32;
  }

  /** Bytes of wasm memory the arena's blocks hold. */
  get bytes(): number {
    let total = 0;
    for (const block of this.#blocks) total += this.heap.sizeOf(block);
    return total;
  }

  /**
   * Addresses of `count` parameter-sized optimizer states (velocity, or Adam's two moments),
   * allocated on first use and kept for later fits (the engine zeroes them when it starts afresh).
   */
  optimizerStates(count: number): readonly number[] {
    while (this.#states.length < count) this.#states.push(this.#alloc(this.paramCount * 4, 'the optimizer state'));
    return this.#states.slice(0, count);
  }

  /**
   * Addresses of the two parameter-sized snapshots of epoch starts that the training loop keeps.
   * Their gaps are zeroed once: the tiny loop (assembly/tiny.ts) saves only the tensors. Only the
   * gaps, so that memory a network never trains through stays untouched (and out of the resident set).
   */
  snapshots(): readonly [number, number] {
    if (!this.#snapshots) {
      const bytes = this.paramCount * 4;
      this.#snapshots = [this.#alloc(bytes, 'the training snapshots'), this.#alloc(bytes, 'the training snapshots')];
      for (const block of this.#snapshots) this.#zeroGaps(block);
    }
    return this.#snapshots;
  }

  // Zeroes the alignment gaps and the tail of a block laid out as the parameters.
  #zeroGaps(block: number): void {
    const f32 = this.heap.f32;
    const at = (address: number) => index32(block) + index32(address) - index32(this.params);
    let end = at(this.params);
    this.layers.forEach((tensors, l) => {
      const { inputs, units } = this.#specs[l]!;
      for (const [address, floats] of [[tensors.weights, inputs * units], [tensors.bias, units]] as const) {
        if (address === 0) continue;
        f32.fill(0, end, at(address));
        end = at(address) + floats;
      }
    });
    f32.fill(0, end, index32(block) + this.paramCount);
  }

  /**
   * predictRow's buffers, allocated on first use and kept: a one-row call then neither reserves
   * a workspace nor rebinds the network record, which a fit waiting between chunks holds.
   */
  rowBuffers(purpose: string): RowBuffers {
    if (this.#rowBuffers) return this.#rowBuffers;
    const specs = this.#specs;
    const widest = widestHidden(specs);
    const sizes = [specs[0]!.inputs, specs.at(-1)!.units, widest, widest].map((floats) => alignUp(floats * 4));
    const block = this.#alloc(sizes.reduce((a, b) => a + b), purpose);
    const [inputs, outputs, scratch0] = [block, block + sizes[0]!, block + sizes[0]! + sizes[1]!];
    this.#rowBuffers = { inputs, outputs, scratch0, scratch1: scratch0 + sizes[2]! };
    return this.#rowBuffers;
  }

  /**
   * Makes room for a checkpoint of the parameters and `states` optimizer states: parameter-sized
   * blocks allocated on first use and kept for later fits (restoreBestWeights keeps the best epoch
   * there). Throws before a fit changes anything if memory cannot grow.
   */
  reserveCheckpoint(states: number): void {
    while (this.#checkpoint.length < 1 + states) this.#checkpoint.push(this.#alloc(this.paramCount * 4, 'the best epoch\'s checkpoint'));
  }

  /** Copies the parameters and the given optimizer states into the checkpoint reserved for them. */
  saveCheckpoint(states: readonly number[]): void {
    [this.params, ...states].forEach((block, i) => this.copyFloats(this.#checkpoint[i]!, block, this.paramCount));
  }

  /** Copies the checkpoint back into the parameters and the given optimizer states. */
  restoreCheckpoint(states: readonly number[]): void {
    [this.params, ...states].forEach((block, i) => this.copyFloats(block, this.#checkpoint[i]!, this.paramCount));
  }

  /**
   * Lays out a workspace in a block of its own (or in the one kept from the last call, if the
   * request is the same) and points the network record at it. Throws before writing anything if
   * memory cannot grow.
   */
  reserve(request: WorkspaceRequest, purpose: string | (() => string)): Workspace {
    const kept = this.#kept;
    this.#kept = undefined;
    // Calls of one size, one after another: memory already holds the layout, so only the list in
    // use and the network record need updating.
    if (kept && sameRequest(kept.request, request)) return this.#use(kept);
    if (kept) this.#freeWorkspace(kept);
    const capacity = request.capacity;
    const specs = this.#specs;
    let cursor = 0;
    const take = (bytes: number): number => {
      if (bytes === 0) return -1;
      const at = cursor;
      cursor = alignUp(cursor + bytes);
      return at;
    };
    const trains = request.trains === true;
    const scratchFloats = trains && this.#transposeScratch ? largestHiddenWeights(specs) : 0;
    // Only a training workspace's layers hold what backward passes read.
    const forTraining = (bytes: number): number => take(trains ? bytes : 0);
    const blocks = this.#holdsFirstLayerInBlocks(request);
    const layout = {
      stats: take((request.stats ?? 0) * abi.STATS_BYTES),
      inputs: take((request.inputs ?? 0) * 4),
      targets: take((request.targets ?? 0) * 4),
      order: take((request.order ?? 0) * 4),
      outputs: take((request.outputs ?? 0) * 4),
      weights: take((request.weights ?? 0) * 4),
      batchWeights: take(request.weights ? capacity * 4 : 0),
      activations: specs.map((l) => take(capacity * l.units * 4)),
      deltas: specs.map((l) => forTraining(capacity * l.units * 4)),
      preactivations: specs.map((l) => forTraining(activationEntry(l.activation).keepsPreactivations ? capacity * l.units * 4 : 0)),
      dropped: specs.map((l) => forTraining(l.dropout > 0 ? capacity * l.units * 4 : 0)),
      // A first layer held in blocks is read from them, never from panels.
      panels: this.#panelBytes.map((bytes, l) => forTraining(this.#readsPanels(request) && !(blocks && l === 0) ? bytes : 0)),
      firstLayerBlocks: forTraining(blocks ? request.firstLayerBlocks! * specs[0]!.inputs * specs[0]!.units * 4 : 0),
      scratch: take(scratchFloats * 4),
      batchInputs: forTraining(capacity * specs[0]!.inputs * 4),
      batchTargets: forTraining(capacity * specs.at(-1)!.units * 4),
    };
    const bytes = cursor;
    const block = this.#alloc(bytes, purpose);
    const address = (offset: number): number => (offset < 0 ? 0 : block + offset);
    const ws: Workspace = {
      capacity,
      stats: address(layout.stats),
      inputs: address(layout.inputs),
      targets: address(layout.targets),
      order: address(layout.order),
      outputs: address(layout.outputs),
      weights: address(layout.weights),
      batchWeights: address(layout.batchWeights),
      activations: layout.activations.map(address),
      deltas: layout.deltas.map(address),
      preactivations: layout.preactivations.map(address),
      dropped: layout.dropped.map(address),
      panels: layout.panels.map(address),
      firstLayerBlocks: address(layout.firstLayerBlocks),
      scratch: address(layout.scratch),
      batchInputs: address(layout.batchInputs),
      batchTargets: address(layout.batchTargets),
      block,
      bytes,
      request: fullRequest(request),
    };
    return this.#use(ws);
  }

  // Whether training batches of the request's capacity read the weights' panels: on several
  // threads, without dropout, where the kernels run a batch's row passes as one job.
  #readsPanels(request: WorkspaceRequest): boolean {
    return request.panels === true && this.#panelBytes.some((bytes) => bytes > 0)
      && !this.#specs.some((l) => l.dropout > 0) && this.heap.kernels.rowPassesInOneJob(this.net, request.capacity) !== 0;
  }

  // Whether training batches of the request's capacity may hold the first layer in blocks: where
  // they read panels and the first layer is wide enough to have some (so that each block is whole
  // panels of columns), is not the output layer, is taken element by element (a block's softmax
  // would see only its own columns) and has weights enough that moving them between the cores
  // costs more than the job it takes to keep them.
  #holdsFirstLayerInBlocks(request: WorkspaceRequest): boolean {
    const first = this.#specs[0]!;
    return (request.firstLayerBlocks ?? 0) > 0 && this.#readsPanels(request) && this.#panelBytes[0]! > 0
      && this.#specs.length > 1 && first.activation !== 'softmax' && first.inputs * first.units >= FIRST_LAYER_BLOCKS_MIN_WEIGHTS;
  }

  /** Releases a workspace; the network record goes back to the newest one still in use. */
  release(ws: Workspace): void {
    if (this.#disposed) return;
    const inUse = this.#inUse;
    if (inUse[inUse.length - 1] === ws) {
      inUse.pop();
    } else {
      const at = inUse.lastIndexOf(ws);
      if (at < 0) throw new Error('simdnet internal error: releasing a workspace that is not in use');
      inUse.splice(at, 1);
    }
    if (inUse.length > 0) this.bind(inUse[inUse.length - 1]!);
    if (!this.#kept && ws.bytes <= this.#keptLimit) this.#kept = ws;
    else this.#freeWorkspace(ws);
  }

  /** Points the network record's per-call buffers at a workspace. */
  bind(ws: Workspace): void {
    if (ws === this.#bound) return;
    this.#bound = ws;
    const i32 = this.i32;
    const net = index32(this.net);
    i32[net + abi.NET_CAPACITY / 4] = ws.capacity;
    i32[net + abi.NET_SCRATCH / 4] = ws.scratch;
    i32[net + abi.NET_BATCH_X / 4] = ws.batchInputs;
    i32[net + abi.NET_BATCH_Y / 4] = ws.batchTargets;
    for (let l = 0; l < this.#specs.length; l++) {
      const layer = index32(this.#layerRecord(l));
      i32[layer + abi.LAYER_OUTPUTS / 4] = ws.activations[l]!;
      i32[layer + abi.LAYER_DELTAS / 4] = ws.deltas[l]!;
      i32[layer + abi.LAYER_PREACTIVATIONS / 4] = ws.preactivations[l]!;
      i32[layer + abi.LAYER_DROPPED / 4] = ws.dropped[l]!;
      i32[layer + abi.LAYER_PANELS / 4] = ws.panels[l]!;
    }
  }

  /** Returns every block to the heap; the arena is unusable afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const block of this.#blocks) this.heap.free(block);
    this.#blocks.clear();
  }

  /** Copies of every layer's weights and bias, or of their gradients. */
  readTensors(gradient = false): { weights: Float32Array; bias: Float32Array | null }[] {
    return this.#specs.map((spec, l) => {
      const t = this.layers[l]!;
      const weights = this.readFloats(gradient ? t.weightGrads : t.weights, spec.inputs * spec.units);
      const bias = t.bias ? this.readFloats(gradient ? t.biasGrads : t.bias, spec.units) : null;
      return { weights, bias };
    });
  }

  /** Writes a layer's weights and bias (zeros when bias is null); a layer without bias ignores it. */
  writeLayer(l: number, weights: ArrayLike<number>, bias: ArrayLike<number> | null): void {
    const t = this.layers[l]!;
    const f32 = this.f32;
    f32.set(weights, index32(t.weights));
    if (!t.bias) return;
    if (bias) f32.set(bias, index32(t.bias));
    else this.zero(t.bias, this.#specs[l]!.units);
  }

  /** A copy of count floats at a byte address. */
  readFloats(address: number, count: number): Float32Array {
    const start = index32(address);
    return this.f32.slice(start, start + count);
  }

  /** Zeroes count floats at a byte address. */
  zero(address: number, count: number): void {
    this.fill(address, count, 0);
  }

  /** Sets count floats at a byte address to value. */
  fill(address: number, count: number, value: number): void {
    const start = index32(address);
    this.f32.fill(value, start, start + count);
  }

  /** Copies count floats from one byte address to another (the ranges may overlap). */
  copyFloats(to: number, from: number, count: number): void {
    const start = index32(from);
    this.f32.copyWithin(index32(to), start, start + count);
  }

  /** The threads the kernels split the network's passes across now. */
  get threads(): number {
    return this.i32[index32(this.net + abi.NET_THREADS)]!;
  }

  /** Sets the threads the kernels split the network's passes across, from 1 to the count it was made for. */
  setThreads(threads: number): void {
    this.i32[index32(this.net + abi.NET_THREADS)] = threads;
  }

  /** An i32 field of the run record. */
  runInt(field: number): number {
    return this.i32[index32(this.run + field)]!;
  }

  setRunInt(field: number, value: number): void {
    this.i32[index32(this.run + field)] = value;
  }

  setRunFloat(field: number, value: number): void {
    this.f32[index32(this.run + field)] = value;
  }

  /** An f64 field of the run record. */
  runFloat64(field: number): number {
    return this.f64[index64(this.run + field)]!;
  }

  /** The generator state kept in the run record (4 × u32) copied in or out. */
  writeRunRng(state: ArrayLike<number>): void {
    const u32 = this.u32;
    const at = index32(this.run + abi.RUN_RNG);
    for (let i = 0; i < 4; i++) u32[at + i] = state[i]!;
  }

  readRunRng(state: number[]): void {
    const u32 = this.u32;
    const at = index32(this.run + abi.RUN_RNG);
    for (let i = 0; i < 4; i++) state[i] = u32[at + i]!;
  }

  /**
   * Puts back the parameters and the generator state that the training loop saved as an epoch of
   * the running fit began (from 0: assembly/train.ts keeps epoch e in snapshot e % 2).
   */
  restoreEpochStart(epoch: number): void {
    const [even, odd] = this.snapshots();
    this.copyFloats(this.params, epoch % 2 === 0 ? even : odd, this.paramCount);
    const rng = index32(this.run + abi.RUN_RNG);
    const savedRng = index32(this.run + abi.RUN_RNG_SNAPSHOTS) + (epoch % 2) * 4;
    this.u32.copyWithin(rng, savedRng, savedRng + 4);
  }

  /** The f64 view index of a workspace's statistics record for an epoch (a ring of `capacity` records). */
  statsIndex(ws: Workspace, epoch: number, capacity: number): number {
    return index64(ws.stats + (epoch % capacity) * abi.STATS_BYTES);
  }

  // Byte address of layer l's record in the network record (assembly/train.ts's layerRecord).
  #layerRecord(l: number): number {
    return this.net + abi.NET_HEADER_BYTES + l * abi.LAYER_BYTES;
  }

  #writeNetRecord(spec: NetworkSpec, accuracy: number, threads: number): void {
    const i32 = this.i32;
    const f32 = this.f32;
    const net = index32(this.net);
    i32[net + abi.NET_LAYER_COUNT / 4] = spec.layers.length;
    i32[net + abi.NET_LOSS / 4] = LOSS_IDS[spec.loss];
    i32[net + abi.NET_ACCURACY / 4] = accuracy;
    f32[net + abi.NET_HUBER_DELTA / 4] = spec.huberDelta;
    i32[net + abi.NET_PARAMS / 4] = this.params;
    i32[net + abi.NET_GRADS / 4] = this.grads;
    i32[net + abi.NET_PARAM_COUNT / 4] = this.paramCount;
    i32[net + abi.NET_THREADS / 4] = threads;
    spec.layers.forEach((layer, l) => {
      const at = index32(this.#layerRecord(l));
      const tensors = this.layers[l]!;
      i32[at + abi.LAYER_INPUTS / 4] = layer.inputs;
      i32[at + abi.LAYER_UNITS / 4] = layer.units;
      i32[at + abi.LAYER_ACTIVATION / 4] = activationEntry(layer.activation).id;
      f32[at + abi.LAYER_ALPHA / 4] = layer.alpha;
      f32[at + abi.LAYER_DROPOUT / 4] = layer.dropout;
      i32[at + abi.LAYER_FLAGS / 4] =
        (layer.bias ? abi.LAYER_HAS_BIAS : 0) | (layer.trainBias ? abi.LAYER_TRAIN_BIAS : 0);
      i32[at + abi.LAYER_WEIGHTS / 4] = tensors.weights;
      i32[at + abi.LAYER_BIAS / 4] = tensors.bias;
      i32[at + abi.LAYER_WEIGHT_GRADS / 4] = tensors.weightGrads;
      i32[at + abi.LAYER_BIAS_GRADS / 4] = tensors.biasGrads;
    });
  }

  #use(ws: Workspace): Workspace {
    this.#inUse.push(ws);
    this.bind(ws);
    return ws;
  }

  #freeWorkspace(ws: Workspace): void {
    if (this.#bound === ws) this.#bound = undefined;
    this.#blocks.delete(ws.block);
    this.heap.free(ws.block);
  }

  #alloc(bytes: number, purpose: string | (() => string)): number {
    const block = this.heap.alloc(bytes, purpose);
    this.#blocks.add(block);
    return block;
  }
}

// Floats in the largest weight matrix above the first layer: the scalar gemmNT's transposed copy.
// A loop, not Math.max(...spread): a network may have more layers than a call has room for arguments.
function largestHiddenWeights(specs: readonly LayerSpec[]): number {
  let largest = 0;
  for (let l = 1; l < specs.length; l++) largest = Math.max(largest, specs[l]!.inputs * specs[l]!.units);
  return largest;
}

// Units of the widest layer below the output layer (0 for none), by a loop as largestHiddenWeights.
function widestHidden(specs: readonly LayerSpec[]): number {
  let widest = 0;
  for (let l = 0; l < specs.length - 1; l++) widest = Math.max(widest, specs[l]!.units);
  return widest;
}

// A request with every count filled in, so two can be compared field by field.
function fullRequest(r: WorkspaceRequest): Required<WorkspaceRequest> {
  return {
    capacity: r.capacity,
    stats: r.stats ?? 0,
    inputs: r.inputs ?? 0,
    targets: r.targets ?? 0,
    order: r.order ?? 0,
    outputs: r.outputs ?? 0,
    weights: r.weights ?? 0,
    trains: r.trains ?? false,
    panels: r.panels ?? false,
    firstLayerBlocks: r.firstLayerBlocks ?? 0,
  };
}

// Runs on every predict call, whose whole cost for a small network is a few such checks: named
// fields, not a loop over keys (keyed loads with changing keys are slow) and no allocation.
function sameRequest(a: Required<WorkspaceRequest>, b: WorkspaceRequest): boolean {
  return a.capacity === b.capacity && a.stats === (b.stats ?? 0) && a.inputs === (b.inputs ?? 0)
    && a.targets === (b.targets ?? 0) && a.order === (b.order ?? 0) && a.outputs === (b.outputs ?? 0)
    && a.weights === (b.weights ?? 0) && a.trains === (b.trains ?? false) && a.panels === (b.panels ?? false)
    && a.firstLayerBlocks === (b.firstLayerBlocks ?? 0);
}
