// Matrix products for backpropagation, f32, row-major.
//
// Every form reduces to one kernel: C = A·B where B is read by rows and A is
// read through element strides, so a(i, p) = A[i·rsA + p·csA] covers both A
// and Aᵀ. A·Bᵀ transposes B into scratch first (weights change once per
// step, so this is a pass over the weights, not over the batch).
//
// Summation order: every C element is accumulated from +0 in order
// p = 0, 1, …, K−1, one rounded multiply and one rounded add per term, in the
// SIMD and in the scalar build alike. The two builds therefore agree to the
// bit, and neither reassociates.
//
// Memory contract: the SIMD kernel may read up to 28 bytes past the end of
// any row of B (never writes there); the caller keeps 32 readable bytes after
// every buffer passed as B. C is written only inside its M×N block.

import { at } from "./memory";

// Rows of C per SIMD tile, and columns (two f32x4).
const MR: i32 = 4;
const NR: i32 = 8;

// Where a partial tile row is parked before its valid columns are copied out.
const tileRow = memory.data(NR * 4, 16);

/** C[m×n] = A[m×k]·B[k×n]. */
export function gemmNN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  gemmStrided(m, n, k, a, k, 1, b, n, c, n);
}

/** C[m×n] = A[k×m]ᵀ·B[k×n]. */
export function gemmTN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  gemmStrided(m, n, k, a, 1, m, b, n, c, n);
}

/** C[m×n] = A[m×k]·B[n×k]ᵀ, using scratch (k×n floats, plus 32 bytes) for Bᵀ. */
export function gemmNT(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, scratch: usize): void {
  transpose(b, n, k, scratch);
  gemmStrided(m, n, k, a, k, 1, scratch, n, c, n);
}

/** dst[cols×rows] = src[rows×cols]ᵀ. */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize): void {
  for (let i = 0; i < rows; i++) {
    const row = at(src, i * cols);
    for (let j = 0; j < cols; j++) {
      store<f32>(at(dst, j * rows + i), load<f32>(at(row, j)));
    }
  }
}

/** C[m×n] = A·B with a(i, p) = A[i·rsA + p·csA] and row strides ldb, ldc (in floats). */
export function gemmStrided(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
): void {
  if (ASC_FEATURE_SIMD) {
    gemmTiles(m, n, k, a, rsA, csA, b, ldb, c, ldc);
  } else {
    gemmRows(m, n, k, a, rsA, csA, b, ldb, c, ldc);
  }
}

// Scalar: C row i accumulates a(i, p)·B[p, :] for p in order.
function gemmRows(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
): void {
  for (let i = 0; i < m; i++) {
    const cRow = at(c, i * ldc);
    memory.fill(cRow, 0, <usize>n << 2);
    for (let p = 0; p < k; p++) {
      const aip = load<f32>(at(a, i * rsA + p * csA));
      const bRow = at(b, p * ldb);
      for (let j = 0; j < n; j++) {
        const cj = at(cRow, j);
        store<f32>(cj, load<f32>(cj) + aip * load<f32>(at(bRow, j)));
      }
    }
  }
}

// SIMD: 4×8 tiles of C held in eight f32x4 accumulators. A tile with fewer
// than 4 valid rows repeats its last valid row; one with fewer than 8 valid
// columns reads past the row of B and stores only the valid columns.
function gemmTiles(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, ldb: i32,
  c: usize, ldc: i32,
): void {
  const aRowStep = <usize>rsA << 2;
  const aColStep = <usize>csA << 2;
  const bRowStep = <usize>ldb << 2;
  for (let i = 0; i < m; i += MR) {
    const rows = min(MR, m - i);
    const a0 = at(a, i * rsA);
    const a1 = rows > 1 ? a0 + aRowStep : a0;
    const a2 = rows > 2 ? a1 + aRowStep : a1;
    const a3 = rows > 3 ? a2 + aRowStep : a2;
    for (let j = 0; j < n; j += NR) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let bp = at(b, j);
      let ap: usize = 0;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const x0 = v128.load32_splat(a0 + ap);
        c00 = f32x4.add(c00, f32x4.mul(x0, b0));
        c01 = f32x4.add(c01, f32x4.mul(x0, b1));
        const x1 = v128.load32_splat(a1 + ap);
        c10 = f32x4.add(c10, f32x4.mul(x1, b0));
        c11 = f32x4.add(c11, f32x4.mul(x1, b1));
        const x2 = v128.load32_splat(a2 + ap);
        c20 = f32x4.add(c20, f32x4.mul(x2, b0));
        c21 = f32x4.add(c21, f32x4.mul(x2, b1));
        const x3 = v128.load32_splat(a3 + ap);
        c30 = f32x4.add(c30, f32x4.mul(x3, b0));
        c31 = f32x4.add(c31, f32x4.mul(x3, b1));
        bp += bRowStep;
        ap += aColStep;
      }
      const cols = min(NR, n - j);
      const cTile = at(c, i * ldc + j);
      const cRowStep = <usize>ldc << 2;
      storeTileRow(cTile, c00, c01, cols);
      if (rows > 1) storeTileRow(cTile + cRowStep, c10, c11, cols);
      if (rows > 2) storeTileRow(cTile + 2 * cRowStep, c20, c21, cols);
      if (rows > 3) storeTileRow(cTile + 3 * cRowStep, c30, c31, cols);
    }
  }
}

@inline
function storeTileRow(dst: usize, lo: v128, hi: v128, cols: i32): void {
  if (cols == NR) {
    v128.store(dst, lo);
    v128.store(dst, hi, 16);
  } else {
    v128.store(tileRow, lo);
    v128.store(tileRow, hi, 16);
    memory.copy(dst, tileRow, <usize>cols << 2);
  }
}

/** out[n] = scale · (column sums of A[m×n]), each column summed in row order. */
export function columnSums(a: usize, m: i32, n: i32, scale: f32, out: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vscale = f32x4.splat(scale);
    for (; j + 4 <= n; j += 4) {
      let sum = f32x4.splat(0);
      for (let i = 0; i < m; i++) sum = f32x4.add(sum, v128.load(at(a, i * n + j)));
      v128.store(at(out, j), f32x4.mul(sum, vscale));
    }
  }
  for (; j < n; j++) {
    let sum: f32 = 0;
    for (let i = 0; i < m; i++) sum += load<f32>(at(a, i * n + j));
    store<f32>(at(out, j), sum * scale);
  }
}
