// Φ, the standard normal distribution function, in float64 for gelu's reference (src/activations.ts).

/** erfc(x) for x ≥ 0: its Maclaurin series below 2.5, Laplace's continued fraction above (Lentz's method). */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(z), the standard normal distribution function. */
export function normalCdf(z: number): number {
  const tail = 0.5 * erfcNonNegative(Math.abs(z) / Math.SQRT2);
  return z >= 0 ? 1 - tail : tail;
}
