// The functions the wasm module exports (assembly/index.ts). Pointers are
// byte addresses in the module's memory; matrices are f32 and row-major.
// test/abi.spec.ts checks every name and parameter count against a built module.

export interface Kernels {
  readonly memory: WebAssembly.Memory;
  /** First byte after the module's static data. */
  heapBase(): number;

  // gemm.ts
  gemmScratchBytes(): number;
  setGemmScratch(scratch: number): void;
  gemmNN(m: number, n: number, k: number, a: number, b: number, c: number): void;
  gemmTN(m: number, n: number, k: number, a: number, b: number, c: number): void;
  gemmNT(m: number, n: number, k: number, a: number, b: number, c: number, scratch: number): void;
  gemmStrided(
    m: number, n: number, k: number, a: number, rsA: number, csA: number,
    b: number, ldb: number, c: number, ldc: number,
  ): void;
  transpose(src: number, rows: number, cols: number, dst: number): void;
  columnSums(a: number, m: number, n: number, scale: number, out: number): void;
  /** Bytes of a k×n layer's weights packed whole for a training batch on threads (0: none). */
  panelBytes(k: number, n: number): number;

  firstNonFinite(p: number, count: number): number;
  /** firstNonFinite split across a network's threads (parallel.ts). */
  parallelFirstNonFinite(threads: number, p: number, count: number): number;

  // small.ts
  smallNN(m: number, n: number, k: number, a: number, b: number, c: number): void;
  smallTN(m: number, n: number, k: number, a: number, b: number, c: number): void;
  smallNT(m: number, n: number, k: number, a: number, b: number, c: number): void;
  smallTNScaled(
    m: number, n: number, k: number, a: number, b: number, g: number, w: number, scale: number, decay: number,
  ): void;

  // row.ts
  rowTimesMatrix(n: number, k: number, a: number, b: number, c: number): void;
  sgdOuter(k: number, n: number, x: number, d: number, w: number, lr: number, decay: number): void;
  sgdBias(n: number, d: number, b: number, lr: number): void;
  narrowForward(
    k: number, n: number, x: number, w: number, bias: number, act: number, alpha: number, out: number, pre: number,
  ): void;
  narrowBackward(
    k: number, n: number, x: number, d: number, w: number, bias: number, lr: number, decay: number,
    below: number, act: number, alpha: number, pre: number,
  ): void;

  // activation.ts
  activate(z: number, m: number, n: number, bias: number, act: number, alpha: number, pre: number): void;
  activationBackward(d: number, a: number, m: number, n: number, act: number, alpha: number, pre: number): void;

  // dropout.ts
  dropoutKey(rng: number, step: number, layer: number): number;
  dropout(src: number, dst: number, count: number, rate: number, key: number): void;

  // loss.ts
  lossSum(a: number, y: number, m: number, n: number, loss: number, huberDelta: number, weights: number): number;
  lossDelta(
    a: number, y: number, m: number, n: number, loss: number, act: number, alpha: number,
    fuse: number, delta: number, huberDelta: number, weights: number, pre: number,
  ): void;
  countCorrect(a: number, y: number, m: number, n: number, mode: number): number;

  // optimizer.ts
  sgdStep(w: number, g: number, n: number, lr: number): void;
  momentumStep(w: number, g: number, v: number, n: number, lr: number, mu: number, nesterov: number): void;
  adamStep(
    w: number, g: number, m: number, v: number, n: number,
    lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number, keep: number,
  ): void;
  rmspropStep(w: number, g: number, s: number, n: number, lr: number, rho: number, scale: number, epsilon: number): void;
  scaleAddWeights(g: number, w: number, n: number, scale: number, decay: number): void;
  addL1(g: number, w: number, n: number, l1: number): void;
  clipValues(g: number, n: number, limit: number): void;
  scaleElements(g: number, n: number, scale: number): void;
  sumOfSquares(w: number, n: number): number;
  sumOfAbs(w: number, n: number): number;

  // parallel.ts
  setPool(control: number, workers: number): void;
  work(control: number, index: number): void;
  /** A prediction on the pool's threads that runs its rows as they are staged (threaded build). */
  beginPrediction(net: number, x: number, rows: number, out: number, chunkRows: number): void;
  stagedRows(rows: number): void;
  /** predict's index of a bad output, −1, or −2 − the index of a bad input. */
  endPrediction(): number;

  // random.ts
  rngNext(state: number): number;
  rngBelow(state: number, bound: number): number;
  shuffle(values: number, n: number, state: number): void;

  // schedule.ts
  learningRateAt(
    kind: number, base: number, period: number, factor: number, warmup: number, staircase: number, step: number, epoch: number,
  ): number;

  // train.ts
  gradient(net: number, x: number, y: number, weights: number, m: number, l2: number, l1: number): number;
  predict(net: number, x: number, rows: number, out: number): number;
  predictRow(net: number, x: number, out: number, scratch0: number, scratch1: number): number;
  evaluate(net: number, x: number, y: number, rows: number, sums: number, out: number): void;
  train(net: number, run: number, maxBatches: number, maxEpochs: number): number;
  abortRun(net: number, run: number): void;
  beginStagedEpoch(net: number, run: number): void;
  trainStaged(net: number, run: number, x: number, y: number, weights: number, m: number, last: number): number;
  /** 1 if a batch of m rows, dropout aside, runs its row passes as one job on the network's threads. */
  rowPassesInOneJob(net: number, m: number): number;
}
