// The slim entry with the .wasm files hosted next to the page, the opt-in relaxed build included.
import { init, Network } from 'simdnet/slim';
import { report } from './report.js';
import { trainXor } from './train-xor.js';

report(init({
  simd: new URL('./simdnet.simd.wasm', import.meta.url),
  scalar: new URL('./simdnet.scalar.wasm', import.meta.url),
  relaxed: new URL('./simdnet.relaxed.wasm', import.meta.url),
}).then(() => trainXor(Network, ['simd', 'scalar', 'relaxed'])));
