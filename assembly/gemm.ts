// Matrix products for backpropagation, f32, row-major.
//
// Every form reduces to one product C = A·B with a(i, p) = A[i·rsA + p·csA]
// and b(p, j) = B[p·rsB + j·csB]: the strides read A or Aᵀ, B or Bᵀ in
// place (only the scalar build copies Bᵀ, into gemmNT's scratch).
//
// SIMD build, blocked in the manner of GotoBLAS: for each block of KC values
// of p, NC columns of B at a time are packed into NR-column panels (kc×NR
// floats each, contiguous); for each MC rows of C the A block is packed with
// every value splat to a full f32x4 (when more than two column panels reuse
// it; narrower products splat A in place); then a tile of MR×NR elements of C
// is summed in eight f32x4 registers over the block's p. The kernel thus reads
// neither operand through a large stride (in a layer of 1024 units the rows of
// the weights lie 4 KiB apart, all in one L1 set). The A pack stays in L2, a B
// panel in L1. 4×8 is the largest tile V8 keeps in the x64 registers: it
// hoists all of a loop's loads to its top, so a 5×8 tile spills accumulators
// to memory inside the loop. A block whose row count is not a multiple of four
// ends in tiles of three rows, not in a partial four that would sum rows it
// throws away (a layer of 10 units is 4 + 3 + 3). A C of at most 16 columns
// and more rows (the output layer's 10 units) is computed as Cᵀ = Bᵀ·Aᵀ,
// stored transposed, so its rows fill the lanes.
//
// Summation order: every C element is accumulated from +0 in order
// p = 0, 1, …, K−1, one rounded multiply and one rounded add per term, in the
// SIMD and in the scalar build alike. Each block of p after the first
// continues from the element's value stored in C by the block before, which
// round-trips through memory exactly, so the blocking changes no bit and the
// scalar build needs none; Cᵀ's terms b·a are the same products as a·b. The
// two builds therefore agree to the bit, and neither reassociates. The opt-in
// relaxed build (ASC_FEATURE_RELAXED_SIMD, otherwise the SIMD build) sums in
// the same order with f32x4.relaxed_madd, which the engine may fuse (one
// rounding per term) or not: same order and bound, but not the same bits on
// every machine.
//
// Memory contract: the products read A and B only at their elements (no
// reads past the end) and write C only inside its M×N block. The packs live in
// a scratch block that the host allocates for each instance (gemmScratchBytes,
// 16-byte aligned) and hands over once with setGemmScratch, not in static
// data, which every thread of a threaded build would share. gemmNT's scratch
// (k×n floats) is used by the scalar build only. A layer's weights packed whole
// (panelBytes) lie in a training workspace, written by packWeights and read
// by gemmPanels only.

import { at, loadFew, storeFew } from "./memory";

// Rows of C per SIMD tile, and columns (two f32x4).
export const MR: i32 = 4;
export const NR: i32 = 8;
// Values of p per block (a B panel, KC×NR floats, is 4 KiB), rows of C per
// A pack (a multiple of MR; MC×KC f32x4 is 128 KiB) and columns of B per pack
// (NC/NR panels, 130 KiB). Chosen by timing KC from 64 to 512 and MC from 32
// to 128 on the layers of 784-128-64-10 and 1024-1024-1024-10 networks.
const KC: i32 = 128;
const MC: i32 = 64;
const NC: i32 = 256;
// Bytes from one packed B panel to the next: a line more than a panel, so that
// packing a row of B does not store to one L1 set NC/NR times.
const PANEL_STEP: usize = KC * NR * 4 + 64;

// The scalar build packs nothing.
const A_PACK_BYTES: i32 = ASC_FEATURE_SIMD ? MC * KC * 16 : 16;
const B_PANELS_BYTES: i32 = ASC_FEATURE_SIMD ? (NC / NR) * <i32>PANEL_STEP : 16;
// Where a tile of a transposed C (its columns, then the tile row-major) is
// parked on its way from C to the registers.
const TILE_BYTES: i32 = MR * NR * 4;
let aPack: usize = 0;
let bPanels: usize = 0;
let tileColumns: usize = 0;
let tileC: usize = 0;

/** Bytes of the scratch block the products of this build need. */
export function gemmScratchBytes(): i32 {
  return A_PACK_BYTES + B_PANELS_BYTES + 2 * TILE_BYTES;
}

/** Hands over the scratch block (gemmScratchBytes, 16-byte aligned) every later product uses. */
export function setGemmScratch(scratch: usize): void {
  aPack = scratch;
  bPanels = aPack + A_PACK_BYTES;
  tileColumns = bPanels + B_PANELS_BYTES;
  tileC = tileColumns + TILE_BYTES;
}

/** C[m×n] = A[m×k]·B[k×n]. */
export function gemmNN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  gemmStrided(m, n, k, a, k, 1, b, n, c, n);
}

/** C[m×n] = A[k×m]ᵀ·B[k×n]. */
export function gemmTN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  gemmStrided(m, n, k, a, 1, m, b, n, c, n);
}

/** C[m×n] = A[m×k]·B[n×k]ᵀ; the scalar build puts Bᵀ in scratch (k×n floats). */
export function gemmNT(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, scratch: usize): void {
  if (ASC_FEATURE_SIMD) {
    gemmSimd(m, n, k, a, k, 1, b, 1, k, c, n);
  } else {
    transpose(b, n, k, scratch);
    gemmRows(m, n, k, a, k, 1, scratch, n, c, n);
  }
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
    gemmSimd(m, n, k, a, rsA, csA, b, ldb, 1, c, ldc);
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

/**
 * C = A·B with a(i, p) = A[i·rsA + p·csA], b(p, j) = B[p·rsB + j·csB] and row stride ldc: any
 * block of a product, for the threaded build (SIMD only) to split. Run as Cᵀ = Bᵀ·Aᵀ where
 * runsTransposed says, or where `transposed` asks (the same bits): for a C much taller than wide,
 * whose A would be packed with every value splat to four lanes, while Aᵀ, as B, packs as it is.
 */
export function gemmBlock(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, transposed: bool = false,
): void {
  if (ASC_FEATURE_SIMD) gemmSimd(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, transposed);
  else unreachable();
}

/**
 * Whether the SIMD build computes an m×n product as Cᵀ = Bᵀ·Aᵀ: a narrow C (a layer of 10 units)
 * would leave most of an NR-wide panel idle, and transposed its m rows fill the lanes instead.
 */
@inline
export function runsTransposed(m: i32, n: i32): bool {
  return n <= 2 * NR && m > n;
}

// SIMD: C = A·B with b(p, j) = B[p·rsB + j·csB] and row stride ldc, run as Cᵀ = Bᵀ·Aᵀ where
// runsTransposed says or `transposed` asks.
function gemmSimd(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32, transposed: bool = false,
): void {
  if (k == 0) {
    for (let i = 0; i < m; i++) memory.fill(at(c, i * ldc), 0, <usize>n << 2);
  } else if (transposed || runsTransposed(m, n)) {
    // Each product of Cᵀ = Bᵀ·Aᵀ is the same b·a as a·b, so the bits are the same.
    gemmBlocks(n, m, k, b, csB, rsB, a, csA, rsA, c, 1, ldc, 0, false);
  } else {
    gemmBlocks(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, 1, 0, false);
  }
}

/**
 * Bytes that a k×n B (a layer's weights) takes packed whole into the panels a product packs it
 * into block by block (packWeights), in the threaded build, where a training batch's chunks of
 * rows each read them rather than each packing the weights again; 0 where no product reads them: a
 * C of at most 2·NR columns may run transposed, its B then the other operand.
 */
export function panelBytes(k: i32, n: i32): i32 {
  if (!ASC_FEATURE_SIMD || !ASC_FEATURE_THREADS || n <= 2 * NR) return 0;
  return ((k + KC - 1) / KC) * panelsAcross(n) * <i32>PANEL_STEP;
}

// Panels of NR columns across n columns, the last zero-padded.
@inline
function panelsAcross(n: i32): i32 {
  return (n + NR - 1) / NR;
}

/**
 * Rows [p0, p1) of a k×n B (row-major) into its panels (panelBytes): block p / KC, panel j / NR,
 * row p % KC of that panel, as packBlock lays out each block, columns past n zero.
 */
export function packWeights(b: usize, n: i32, p0: i32, p1: i32, panels: usize): void {
  const across = panelsAcross(n);
  const full = n & ~(NR - 1);
  for (let p = p0; p < p1; p++) {
    const src = at(b, p * n);
    let dst = panels + <usize>((p / KC) * across) * PANEL_STEP + (<usize>((p % KC) * NR) << 2);
    for (let q = 0; q < full; q += NR) {
      v128.store(dst, v128.load(src + (<usize>q << 2)));
      v128.store(dst, v128.load(src + (<usize>q << 2), 16), 16);
      dst += PANEL_STEP;
    }
    for (let j = 0; full < n && j < NR; j++) {
      store<f32>(dst + (<usize>j << 2), full + j < n ? load<f32>(at(src, full + j)) : 0);
    }
  }
}

/**
 * C[m×n] = A[m×k]·B[k×n] (gemmNN, n > 2·NR, k > 0) with B read from its panels (packWeights)
 * instead of packed block by block: the same values in the same places, so the same bits.
 */
export function gemmPanels(m: i32, n: i32, k: i32, a: usize, panels: usize, c: usize): void {
  if (ASC_FEATURE_SIMD) gemmBlocks(m, n, k, a, k, 1, 0, 0, 0, c, n, 1, panels, false);
  else unreachable();
}

/**
 * gemmBlock (never transposed) with A read where it lies rather than packed: the same bits, and
 * no pack for threads that each compute other columns from the same A.
 */
export function gemmAInPlace(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldc: i32,
): void {
  if (ASC_FEATURE_SIMD) gemmBlocks(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, 1, 0, true);
  else unreachable();
}

// The blocked product for k > 0, element (i, j) of C at C[i·ldcRow + j·ldcCol]:
// ldcCol is 1, or C is stored transposed. B is packed block by block, or read from
// its panels packed whole (panels not 0, B's other arguments unused). A is packed
// where that pays, unless aInPlace.
function gemmBlocks(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize, ldcRow: i32, ldcCol: i32, panels: usize, aInPlace: bool,
): void {
  // Packing A pays once more than two column panels reuse it.
  const packs = n > 2 * NR && !aInPlace;
  const aRowStep = <usize>rsA << 2;
  const aColStep = <usize>csA << 2;
  const cRowStep = <usize>ldcRow << 2;
  const cColStep = <usize>ldcCol << 2;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const first = p0 == 0;
    for (let j1 = 0; j1 < n; j1 += NC) {
      const nc = min(NC, n - j1);
      let block = bPanels;
      if (panels) block = panels + <usize>((p0 / KC) * panelsAcross(n) + j1 / NR) * PANEL_STEP;
      else packBlock(at(b, p0 * rsB + j1 * csB), rsB, csB, kc, nc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        const aBlock = at(a, i0 * rsA + p0 * csA);
        if (packs) packA(aBlock, rsA, csA, mc, kc);
        let panel = block;
        for (let j0 = 0; j0 < nc; j0 += NR) {
          const cols = min(NR, nc - j0);
          let cTile = c + <usize>i0 * cRowStep + <usize>(j1 + j0) * cColStep;
          for (let i = 0; i < mc; ) {
            const rows = tileHeight(i, mc);
            if (packs) {
              const ap = aPack + (<usize>(i * kc) << 4);
              tile<v128>(ap, 16, <usize>packedRows(rows) << 4, kc, panel, cTile, cRowStep, cColStep, rows, cols, first);
            } else {
              tile<f32>(aBlock + <usize>i * aRowStep, aRowStep, aColStep, kc, panel, cTile, cRowStep, cColStep, rows, cols, first);
            }
            cTile += cRowStep * rows;
            i += rows;
          }
          panel += PANEL_STEP;
        }
      }
    }
  }
}

// bPanels ← kc × nc of B as panels of NR columns (kc rows of NR floats each,
// columns past nc zero), PANEL_STEP apart. Rows of B that are contiguous are
// read along their length, a line at a time, rather than panel by panel down a
// stride that maps every row to the same L1 set.
function packBlock(b: usize, rsB: i32, csB: i32, kc: i32, nc: i32): void {
  const full = nc & ~(NR - 1);
  let j = 0;
  if (csB == 1) {
    const rowStep = <usize>rsB << 2;
    let src = b;
    let row = bPanels;
    for (let p = 0; p < kc; p++) {
      let dst = row;
      for (let q = 0; q < full; q += NR) {
        v128.store(dst, v128.load(src + (<usize>q << 2)));
        v128.store(dst, v128.load(src + (<usize>q << 2), 16), 16);
        dst += PANEL_STEP;
      }
      src += rowStep;
      row += NR << 2;
    }
    j = full;
  }
  for (; j < nc; j += NR) {
    packPanel(at(b, j * csB), rsB, csB, kc, min(NR, nc - j), bPanels + <usize>(j / NR) * PANEL_STEP);
  }
}

// Rows of the tile at row i of a block of `rows`: fours, then the threes that make
// the block end on a tile boundary (rows = 4q + r takes 4 − r threes for r > 0), so
// that no tile sums a row it does not store; a block too short for that (1, 2 or 5
// rows) ends with a partial four instead.
@inline
function tileHeight(i: i32, rows: i32): i32 {
  const threes = (MR - (rows & (MR - 1))) & (MR - 1);
  if (rows < 3 * threes) return min(MR, rows - i);
  return i < rows - 3 * threes ? MR : 3;
}

// Splat rows per p in a tile's micro-panel of aPack: three for a tile of three,
// else MR, rows past the valid ones repeating the last.
@inline
function packedRows(rows: i32): i32 {
  return rows == 3 ? 3 : MR;
}

// aPack ← rows × kc of A in the tiles' micro-panels: for each p, the panel's
// values each splat to a full f32x4.
function packA(a: usize, rsA: i32, csA: i32, rows: i32, kc: i32): void {
  const rowStep = <usize>rsA << 2;
  const colStep = <usize>csA << 2;
  let dst = aPack;
  for (let i = 0; i < rows; ) {
    const height = tileHeight(i, rows);
    const four = packedRows(height) == MR;
    const a0 = a + <usize>i * rowStep;
    const a1 = height > 1 ? a0 + rowStep : a0;
    const a2 = height > 2 ? a1 + rowStep : a1;
    const a3 = height > 3 ? a2 + rowStep : a2;
    let off: usize = 0;
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load32_splat(a0 + off));
      v128.store(dst, v128.load32_splat(a1 + off), 16);
      v128.store(dst, v128.load32_splat(a2 + off), 32);
      if (four) {
        v128.store(dst, v128.load32_splat(a3 + off), 48);
        dst += 64;
      } else {
        dst += 48;
      }
      off += colStep;
    }
    i += height;
  }
}

// One panel at dst: kc × cols of B as kc rows of NR floats, columns past cols zero.
function packPanel(b: usize, rsB: i32, csB: i32, kc: i32, cols: i32, dst: usize): void {
  const rowStep = <usize>rsB << 2;
  const colStep = <usize>csB << 2;
  let p = 0;
  if (cols == NR && rsB == 1) {
    // Bᵀ stored: eight rows of B hold the panel's columns; 4×4 transposes turn
    // four consecutive p of each into four panel rows.
    let b4 = b + 4 * colStep;
    for (; p + 4 <= kc; p += 4) {
      transpose4(b, colStep, dst);
      transpose4(b4, colStep, dst + 16);
      b += 16;
      b4 += 16;
      dst += NR << 4;
    }
  }
  for (; p < kc; p++) {
    let src = b;
    for (let j = 0; j < NR; j++) {
      store<f32>(dst + (<usize>j << 2), j < cols ? load<f32>(src) : 0);
      src += colStep;
    }
    b += rowStep;
    dst += NR << 2;
  }
}

// Four f32x4 at src, src + step, … (rows) stored transposed as four columns, NR floats apart.
@inline
function transpose4(src: usize, step: usize, dst: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + step);
  const r2 = v128.load(src + 2 * step);
  const r3 = v128.load(src + 3 * step);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), NR << 2);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), NR << 3);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), NR * 12);
}

// One tile of C, MR (or 3) rows × NR columns, over a block of kc values of p
// from the B panel at bp, from +0 in the first block and from C's stored values
// after it; stores the rows × cols valid part. T = v128: A comes from aPack,
// one splat value per row and p, aCol bytes per p. T = f32: row r of the tile
// splats A at a + r·aRow + p·aCol, rows past the valid ones repeating the last.
// Inlined into the block loop, where V8 unrolls its loop; a call per tile is
// slower on every layer shape.
@inline
function tile<T>(
  a: usize, aRow: usize, aCol: usize, kc: i32, bp: usize,
  c: usize, cRowStep: usize, cColStep: usize, rows: i32, cols: i32, first: bool,
): void {
  const transposed = cColStep != 4;
  const packed = sizeof<T>() == 16;
  const four = rows != 3;
  let a0 = a, a1 = a, a2 = a, a3 = a;
  if (!packed) {
    a1 = rows > 1 ? a0 + aRow : a0;
    a2 = rows > 2 ? a1 + aRow : a1;
    a3 = rows > 3 ? a2 + aRow : a2;
  }
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (!first && transposed) {
    gatherColumns(c, cColStep, rows, cols);
    transpose4(tileColumns, 16, tileC);
    transpose4(tileColumns + 64, 16, tileC + 16);
    c00 = v128.load(tileC); c01 = v128.load(tileC, 16);
    c10 = v128.load(tileC, 32); c11 = v128.load(tileC, 48);
    c20 = v128.load(tileC, 64); c21 = v128.load(tileC, 80);
    c30 = v128.load(tileC, 96); c31 = v128.load(tileC, 112);
  } else if (!first) {
    c00 = loadTileRow(c, cols, 0); c01 = loadTileRow(c, cols, 1);
    if (rows > 1) { c10 = loadTileRow(c + cRowStep, cols, 0); c11 = loadTileRow(c + cRowStep, cols, 1); }
    if (rows > 2) { c20 = loadTileRow(c + 2 * cRowStep, cols, 0); c21 = loadTileRow(c + 2 * cRowStep, cols, 1); }
    if (rows > 3) { c30 = loadTileRow(c + 3 * cRowStep, cols, 0); c31 = loadTileRow(c + 3 * cRowStep, cols, 1); }
  }
  const end = bp + (<usize>kc << 5);
  while (bp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const x0 = packed ? v128.load(a0) : v128.load32_splat(a0);
    c00 = madd(x0, b0, c00);
    c01 = madd(x0, b1, c01);
    const x1 = packed ? v128.load(a0, 16) : v128.load32_splat(a1);
    c10 = madd(x1, b0, c10);
    c11 = madd(x1, b1, c11);
    const x2 = packed ? v128.load(a0, 32) : v128.load32_splat(a2);
    c20 = madd(x2, b0, c20);
    c21 = madd(x2, b1, c21);
    if (four) {
      const x3 = packed ? v128.load(a0, 48) : v128.load32_splat(a3);
      c30 = madd(x3, b0, c30);
      c31 = madd(x3, b1, c31);
    }
    bp += NR << 2;
    a0 += aCol;
    if (!packed) {
      a1 += aCol;
      a2 += aCol;
      a3 += aCol;
    }
  }
  if (transposed) {
    storeColumns(c, cColStep, c00, c10, c20, c30, rows, min(cols, 4));
    if (cols > 4) storeColumns(c + 4 * cColStep, cColStep, c01, c11, c21, c31, rows, cols - 4);
    return;
  }
  storeTileRow(c, c00, c01, cols);
  if (rows > 1) storeTileRow(c + cRowStep, c10, c11, cols);
  if (rows > 2) storeTileRow(c + 2 * cRowStep, c20, c21, cols);
  if (rows > 3) storeTileRow(c + 3 * cRowStep, c30, c31, cols);
}

// a·b + c per lane: the product rounded, then the sum, except in the relaxed
// build, where V8 fuses f32x4.relaxed_madd into one rounding on x64 CPUs with
// FMA3 and on arm64, and rounds twice elsewhere.
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// Columns q < count of the 4×4 block of a transposed tile whose rows are r0…r3:
// column q is `rows` consecutive floats of C at dst + q·step.
@inline
function storeColumns(dst: usize, step: usize, r0: v128, r1: v128, r2: v128, r3: v128, rows: i32, count: i32): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  storeFew(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), rows);
  if (count > 1) storeFew(dst + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), rows);
  if (count > 2) storeFew(dst + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), rows);
  if (count > 3) storeFew(dst + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), rows);
}

// tileColumns ← the cols columns of a transposed tile of C (`rows` floats each, at
// src + q·step), one f32x4 per column.
function gatherColumns(src: usize, step: usize, rows: i32, cols: i32): void {
  for (let q = 0; q < cols; q++) {
    v128.store(tileColumns + (<usize>q << 4), loadFew(src, rows));
    src += step;
  }
}

// Half `half` (0 or 1) of a tile row of C whose first cols (1–8) columns lie in C;
// the lanes past them are zero.
@inline
function loadTileRow(src: usize, cols: i32, half: i32): v128 {
  const count = min(4, cols - (half << 2));
  return count > 0 ? loadFew(src + (<usize>half << 4), count) : f32x4.splat(0);
}

@inline
function storeTileRow(dst: usize, lo: v128, hi: v128, cols: i32): void {
  storeFew(dst, lo, min(4, cols));
  if (cols > 4) storeFew(dst + 16, hi, cols - 4);
}

/** out[n] = scale · (column sums of A[m×n]), each column summed in row order. */
export function columnSums(a: usize, m: i32, n: i32, scale: f32, out: usize): void {
  columnSumsStrided(a, m, n, n, scale, out);
}

/** columnSums of n columns of a matrix whose rows lie lda floats apart. */
export function columnSumsStrided(a: usize, m: i32, n: i32, lda: i32, scale: f32, out: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vscale = f32x4.splat(scale);
    for (; j + 4 <= n; j += 4) {
      let sum = f32x4.splat(0);
      for (let i = 0; i < m; i++) sum = f32x4.add(sum, v128.load(at(a, i * lda + j)));
      v128.store(at(out, j), f32x4.mul(sum, vscale));
    }
  }
  for (; j < n; j++) {
    let sum: f32 = 0;
    for (let i = 0; i < m; i++) sum += load<f32>(at(a, i * lda + j));
    store<f32>(at(out, j), sum * scale);
  }
}
