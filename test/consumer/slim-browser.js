// The slim entry with the .wasm files hosted next to the page.
import { init, Network } from 'simdnet/slim';
import { report } from './report.js';
import { trainXor } from './train-xor.js';

report(init({
  simd: new URL('./simdnet.simd.wasm', import.meta.url),
  scalar: new URL('./simdnet.scalar.wasm', import.meta.url),
}).then(() => trainXor(Network)));
