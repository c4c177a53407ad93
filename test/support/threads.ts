// Every test file runs with the threaded build available, as Node users of the package have it
// (the main entry reads dist/simdnet.threads.wasm, which the sources have no copy of).
import '../../src/threads.js';
