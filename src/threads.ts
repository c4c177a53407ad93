// 'simdnet/threads': imported for its effect, it embeds the threaded wasm build, so that a
// browser page (cross-origin isolated) runs networks on several threads with no .wasm file
// to host. Node needs no import: the main entry reads the build from the package.

import { THREADS_WASM_BASE64 } from '../build/threads-bytes.js';
import { decodeBase64 } from './wasm/embedded.js';
import { provideKernels } from './wasm/load.js';

provideKernels('threads', () => WebAssembly.compile(decodeBase64(THREADS_WASM_BASE64)));
