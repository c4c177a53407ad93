// Datasets for tests, features as a flat Float32Array and classes one-hot: those the repository
// ships (rows in file order), and seeded synthetic rows.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Rng } from '../../src/random.js';

export interface Dataset {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  inputs: number;
  classes: number;
}

// Rows of features and a class index each, as one flat array and one-hot targets.
function tabulate(rows: { features: number[]; label: number }[], classes: number): Dataset {
  const inputs = rows[0]!.features.length;
  const x = Float32Array.from(rows.flatMap((r) => r.features));
  const y = new Float32Array(rows.length * classes);
  rows.forEach((r, i) => (y[i * classes + r.label] = 1));
  return { x, y, rows: rows.length, inputs, classes };
}

const file = (path: string): Buffer => readFileSync(new URL(`../../data/${path}`, import.meta.url));

/** The UCI digits (data/digits/): 1797 rows of 64 pixels scaled from 0..16 to [0, 1], 10 classes. */
export function digits(): Dataset {
  const lines = gunzipSync(file('digits/digits.csv.gz')).toString('utf8').trim().split('\n');
  return tabulate(lines.map((line) => {
    const values = line.split(',').map(Number);
    return { features: values.slice(0, 64).map((v) => v / 16), label: values[64]! };
  }), 10);
}

/** Fisher's iris (data/iris/): 150 rows of four measurements in cm, three species in file order (sorted by species). */
export function iris(): Dataset {
  const [, ...lines] = file('iris/iris.csv').toString('utf8').trim().split(/\r?\n/);
  const species: string[] = [];
  return tabulate(lines.map((line) => {
    const cells = line.split(',');
    const name = cells[4]!;
    if (!species.includes(name)) species.push(name);
    return { features: cells.slice(0, 4).map(Number), label: species.indexOf(name) };
  }), 3);
}

/** rows × inputs seeded uniform values in [-1, 1), and row r one-hot in class r mod classes. */
export function cycledClasses(seed: number, rows: number, inputs: number, classes: number): { x: Float32Array; y: Float32Array } {
  const rng = Rng.fromSeed(seed);
  const x = Float32Array.from({ length: rows * inputs }, () => rng.uniform() * 2 - 1);
  const y = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) y[r * classes + (r % classes)] = 1;
  return { x, y };
}
