// The playground's 2-D datasets: POINTS points in [-1, 1]² with a 0/1 label, each shape drawn
// without noise, then moved by Gaussian noise and split into training and validation points.

import { seededRandom, shuffle } from './random.js';

export const POINTS = 400;

// Each shape gives point i as [x, y, label]; even and odd points alternate the classes where
// the shape chooses the label itself.
const shapes = {
  spiral(rng, i) {
    // Two arms of about one and a half turns each, the second the first turned by π.
    const label = i % 2;
    const t = 0.25 + 3.5 * rng.uniform();
    const angle = 2.5 * t + label * Math.PI;
    return [(t / 4) * Math.cos(angle), (t / 4) * Math.sin(angle), label];
  },
  xor(rng) {
    // A small gap along the axes, so the classes touch only where noise moves them.
    const away = (v) => (v + Math.sign(v) * 0.05) * 0.95;
    const x = rng.uniform() * 2 - 1;
    const y = rng.uniform() * 2 - 1;
    return [away(x), away(y), x * y > 0 ? 1 : 0];
  },
  circle(rng, i) {
    const label = i % 2;
    const r = label ? 0.45 * Math.sqrt(rng.uniform()) : 0.6 + 0.35 * rng.uniform();
    const angle = 2 * Math.PI * rng.uniform();
    return [r * Math.cos(angle), r * Math.sin(angle), label];
  },
  gaussians(rng, i) {
    const label = i % 2;
    const centre = label ? 0.45 : -0.45;
    return [centre + 0.15 * rng.normal(), centre + 0.15 * rng.normal(), label];
  },
};

export const DATASETS = Object.keys(shapes);

/** How many of the POINTS points train at this percentage; the rest validate. */
export function trainingPointCount(trainPercent) {
  return Math.round((POINTS * trainPercent) / 100);
}

function pointsToArrays(points) {
  return {
    points,
    x: Float32Array.from(points.flatMap(([a, b]) => [a, b])),
    y: Float32Array.from(points, (p) => p[2]),
  };
}

/**
 * The dataset's points, noise (the standard deviation added to each coordinate) applied, split
 * at random into trainPercent % training points and the rest for validation, each part as
 * { points: [x, y, label][], x: Float32Array (n×2), y: Float32Array (n) }.
 */
export function makeDataset({ dataset, noise, trainPercent, seed }) {
  const rng = seededRandom(seed);
  const points = Array.from({ length: POINTS }, (_, i) => {
    const [x, y, label] = shapes[dataset](rng, i);
    return [x + noise * rng.normal(), y + noise * rng.normal(), label];
  });
  shuffle(points, rng);
  const trainRows = trainingPointCount(trainPercent);
  return { train: pointsToArrays(points.slice(0, trainRows)), validation: pointsToArrays(points.slice(trainRows)) };
}
