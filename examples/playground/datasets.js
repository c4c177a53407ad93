// The playground's 2-D datasets: points in [-1, 1]² with a 0/1 label, drawn
// from a small seeded generator so every visit shows the same data.

function generator(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

const makers = {
  circle(rng, n) {
    return Array.from({ length: n }, () => {
      const r = rng.next() < 0.5 ? 0.45 * rng.next() : 0.6 + 0.35 * rng.next();
      const a = 2 * Math.PI * rng.next();
      return [r * Math.cos(a), r * Math.sin(a), r < 0.5 ? 1 : 0];
    });
  },
  xor(rng, n) {
    return Array.from({ length: n }, () => {
      const x = rng.next() * 2 - 1;
      const y = rng.next() * 2 - 1;
      const pad = (v) => v + Math.sign(v) * 0.05; // a small gap along the axes
      return [pad(x) * 0.95, pad(y) * 0.95, x * y > 0 ? 1 : 0];
    });
  },
  spirals(rng, n) {
    return Array.from({ length: n }, (_, i) => {
      const label = i % 2;
      const t = 0.25 + 3.5 * rng.next();
      const angle = t * 1.75 + label * Math.PI;
      const r = t / 4;
      return [r * Math.cos(angle) + 0.03 * rng.normal(), r * Math.sin(angle) + 0.03 * rng.normal(), label];
    });
  },
  blobs(rng, n) {
    return Array.from({ length: n }, (_, i) => {
      const label = i % 2;
      const c = label ? 0.4 : -0.4;
      return [c + 0.25 * rng.normal(), c + 0.25 * rng.normal(), label];
    });
  },
};

export const DATASETS = Object.keys(makers);

/** n points of a dataset as { x: Float32Array (n×2), y: Float32Array (n), points: [x, y, label][] }. */
export function makeDataset(name, n = 400, seed = 7) {
  const points = makers[name](generator(seed), n);
  return {
    points,
    x: Float32Array.from(points.flatMap(([a, b]) => [a, b])),
    y: Float32Array.from(points.map((p) => p[2])),
  };
}
