// The main entry, 'simdnet': the whole API with both wasm builds embedded.

import { provideEmbeddedKernels } from './wasm/embedded.js';

provideEmbeddedKernels();

export * from './api.js';
