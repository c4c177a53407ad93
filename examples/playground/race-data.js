// The race's workload and its data. The data are made up, so that the race needs no download:
// ROWS "images" of 784 pixels drawn uniformly from [0, 1), each labelled with the one of 10
// classes whose fixed random direction its centred pixels point along most (the arg-max of
// (x − 0.5)·T for a seeded 784×10 Gaussian T). A linear rule hidden in noise: learnable, not
// instantly, so the loss curves fall over the seconds of the race.

import { seededRandom } from './random.js';

export const RACE = {
  inputs: 784,
  hidden: [128, 64],
  classes: 10,
  rows: 8192,
  /** Rows trained between two progress reports: 8 batches. */
  sliceRows: 512,
  batchSize: 64,
  learningRate: 0.001,
  seed: 1,
};

/** The race's rows as flat row-major arrays: x (rows × 784) and one-hot y (rows × 10). */
export function makeRaceData() {
  const { inputs, classes, rows, seed } = RACE;
  const rng = seededRandom(seed);
  const directions = Float32Array.from({ length: inputs * classes }, rng.normal);
  const x = Float32Array.from({ length: rows * inputs }, rng.uniform);
  const y = new Float32Array(rows * classes);
  const scores = new Float64Array(classes);
  for (let r = 0; r < rows; r++) {
    scores.fill(0);
    for (let k = 0; k < inputs; k++) {
      const centred = x[r * inputs + k] - 0.5;
      for (let c = 0; c < classes; c++) scores[c] += centred * directions[k * classes + c];
    }
    y[r * classes + scores.indexOf(Math.max(...scores))] = 1;
  }
  return { x, y };
}

/** The data cut into slices of sliceRows rows: [{ x, y }] as views of the same arrays. */
export function raceSlices({ x, y }) {
  const { inputs, classes, rows, sliceRows } = RACE;
  return Array.from({ length: rows / sliceRows }, (_, i) => ({
    x: x.subarray(i * sliceRows * inputs, (i + 1) * sliceRows * inputs),
    y: y.subarray(i * sliceRows * classes, (i + 1) * sliceRows * classes),
  }));
}
