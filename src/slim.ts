// 'simdnet/slim': the same API without embedded wasm, for pages that host the
// .wasm files themselves (shipped as 'simdnet/simd.wasm' and 'simdnet/scalar.wasm',
// and the opt-in 'simdnet/relaxed.wasm'). Call init({ simd, scalar }) before
// creating a network.

export * from './api.js';
