// Trains one contestant of the race (race.html) for the given number of seconds and reports as
// it goes. A classic worker, not a module one: TensorFlow.js's browser bundles are scripts that
// define a global `tf` (importScripts); simdnet and the data come in as ES modules by import().
//
// In:  { library: 'simdnet' | 'tfjs', backend: 'wasm' | 'webgl' | 'cpu' (TF.js), seconds }
// Out: { type: 'ready', detail }
//      { type: 'progress', seconds, loss, samples, timedSeconds, timedSamples }  (after every slice)
//      { type: 'done' } · { type: 'unavailable', reason } · { type: 'error', message }

const TFJS = new URL('../../node_modules/@tensorflow/', self.location.href).href;
const TFJS_SCRIPTS = [
  'tfjs-core/dist/tf-core.min.js',
  'tfjs-layers/dist/tf-layers.min.js',
  'tfjs-backend-cpu/dist/tf-backend-cpu.min.js',
  'tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
  'tfjs-backend-webgl/dist/tf-backend-webgl.min.js',
];

/** A contestant that cannot run in this browser, with the reason to show. */
class Unavailable extends Error {}

async function simdnetTrainer(RACE, slices) {
  const { Network } = await import('../../dist/index.js');
  const net = await Network.create({
    inputs: RACE.inputs,
    layers: [...RACE.hidden.map((units) => ({ units, activation: 'relu' })), { units: RACE.classes, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    seed: RACE.seed,
    // One thread, as TF.js's wasm backend runs here: a race of the kernels, not of the core count.
    threads: 1,
  });
  const options = { epochs: 1, batchSize: RACE.batchSize, shuffle: true, optimizer: { type: 'adam', learningRate: RACE.learningRate } };
  return {
    detail: `its ${{ simd: 'SIMD', scalar: 'scalar', relaxed: 'relaxed-SIMD' }[net.backend]} WebAssembly build, 1 thread`,
    async train(i) {
      const history = await net.fit(slices[i].x, slices[i].y, options);
      return history.loss[0];
    },
  };
}

// setBackend answers false and logs the reason when a backend cannot start; the first line of
// that log is the reason shown.
async function startTfjsBackend(backend) {
  const logged = [];
  const { warn } = console;
  console.warn = (...args) => logged.push(args.join(' '));
  try {
    if (!(await tf.setBackend(backend))) {
      const reason = logged.map((line) => line.split('\n')[0]).find((line) => !line.startsWith('Initialization of backend'));
      throw new Unavailable(`TF.js could not start its ${backend} backend here${reason ? `: ${reason}` : ''}`);
    }
  } finally {
    console.warn = warn;
  }
  await tf.ready();
}

// The graphics driver's name, so that a software renderer (SwiftShader, llvmpipe) shows as one.
function webglRenderer() {
  const gl = new OffscreenCanvas(1, 1).getContext('webgl2') ?? new OffscreenCanvas(1, 1).getContext('webgl');
  if (!gl) return 'unknown renderer';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const software = /swiftshader|llvmpipe|software/i.exec(renderer);
  return software ? `${software[0]}, a software renderer: no graphics processor` : renderer;
}

async function tfjsDetail(backend) {
  if (backend === 'webgl') return `WebGL ${tf.env().getNumber('WEBGL_VERSION')} on ${webglRenderer()}`;
  if (backend === 'cpu') return 'plain JavaScript';
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.wasm.getThreadsCount();
  return `its ${simd ? 'SIMD' : 'plain'} WebAssembly build, ${threads} thread${threads === 1 ? '' : 's'}`;
}

async function tfjsTrainer(RACE, slices, backend) {
  try {
    importScripts(...TFJS_SCRIPTS.map((script) => TFJS + script));
  } catch {
    throw new Unavailable('TensorFlow.js is not installed beside the page: run npm install in the repository');
  }
  tf.wasm.setWasmPaths(`${TFJS}tfjs-backend-wasm/dist/`);
  await startTfjsBackend(backend);
  const model = tf.sequential({
    layers: [
      ...RACE.hidden.map((units, i) => tf.layers.dense({ units, activation: 'relu', ...(i === 0 ? { inputShape: [RACE.inputs] } : {}) })),
      tf.layers.dense({ units: RACE.classes, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(RACE.learningRate), loss: 'categoricalCrossentropy' });
  const tensors = slices.map(({ x, y }) => ({
    x: tf.tensor2d(x, [RACE.sliceRows, RACE.inputs]),
    y: tf.tensor2d(y, [RACE.sliceRows, RACE.classes]),
  }));
  return {
    detail: await tfjsDetail(backend),
    async train(i) {
      const history = await model.fit(tensors[i].x, tensors[i].y, { epochs: 1, batchSize: RACE.batchSize, shuffle: true });
      return history.history.loss[0];
    },
  };
}

// The first slice is a warm-up (it compiles wasm or shaders, fills caches): it is drawn on the
// loss curve but not counted in the rate.
async function race({ library, backend, seconds }) {
  const { RACE, makeRaceData, raceSlices } = await import('./race-data.js');
  const slices = raceSlices(makeRaceData());
  const trainer = library === 'simdnet' ? await simdnetTrainer(RACE, slices) : await tfjsTrainer(RACE, slices, backend);
  self.postMessage({ type: 'ready', detail: trainer.detail });
  const started = performance.now();
  let timedFrom = 0;
  let samples = 0;
  for (let i = 0; ; i++) {
    const loss = await trainer.train(i % slices.length);
    samples += RACE.sliceRows;
    const elapsed = (performance.now() - started) / 1000;
    if (i === 0) timedFrom = elapsed;
    const timedSeconds = elapsed - timedFrom;
    self.postMessage({ type: 'progress', seconds: elapsed, loss, samples, timedSeconds, timedSamples: samples - RACE.sliceRows });
    if (timedSeconds >= seconds) break;
  }
  self.postMessage({ type: 'done' });
}

self.onmessage = ({ data }) => {
  race(data).catch((e) => {
    self.postMessage(e instanceof Unavailable ? { type: 'unavailable', reason: e.message } : { type: 'error', message: String(e.message ?? e) });
  });
};
