// Trains the playground's network in a Web Worker so the page stays responsive, at the pace
// the page asks for, and posts a snapshot (weights and the epochs' losses) once a frame.
//
// Messages in:
//   { type: 'reset', generation, data: { train, validation }, layers, seed, training, pace, play }
//   { type: 'configure', training, pace }     (takes effect at the next step)
//   { type: 'play' } · { type: 'pause' } · { type: 'step' } (to the end of the epoch) · { type: 'download' }
// Messages out:
//   { type: 'snapshot', generation, layers, epoch, weights, records, running, stop }
//   { type: 'network', json } · { type: 'error', message }

import { DivergenceError, Network } from '../../dist/index.js';
import { seededRandom, shuffle } from './random.js';
import { epochLimit, stoppingRule } from './stopping.js';

const FRAME_MS = 1000 / 30;

let net = null;
/** The reset's number, which the snapshots carry so the page can tell a replaced network's. */
let generation = 0;
let data = null;
let seed = 0;
let training = null;
let pace = null;
/** Whole epochs trained. */
let epoch = 0;
/** In step mode, the order of the current epoch's training rows and how many of them are done. */
let order = null;
let rowsDone = 0;
let rule = stoppingRule(0);
let running = false;
/** Ends the frames of a run once it is paused or replaced. */
let run = 0;
/** What has happened since the last snapshot: the records of the steps and epochs trained. */
let records = [];

// Every message and every frame runs to its end before the next begins, so a reset never
// disposes a network that fit is still training.
let queue = Promise.resolve();
function serially(task) {
  queue = queue.then(task).catch((e) => self.postMessage({ type: 'error', message: String(e.message ?? e) }));
}

function fitOptions(batchSize, shuffle) {
  const { optimizer, learningRate, l2 } = training;
  return { epochs: 1, batchSize, shuffle, optimizer: { type: optimizer, learningRate }, l2 };
}

function record(progress) {
  const { train, validation } = data;
  const trained = net.evaluate(train.x, train.y);
  const validated = net.evaluate(validation.x, validation.y);
  const entry = {
    epoch: progress,
    loss: trained.loss,
    accuracy: trained.accuracy,
    valLoss: validated.loss,
    valAccuracy: validated.accuracy,
    learningRate: training.learningRate,
  };
  records.push(entry);
  return entry;
}

// Rows of the training set in the given order, as the flat arrays fit takes.
function trainingRows(rows) {
  const { x, y } = data.train;
  const xs = new Float32Array(rows.length * 2);
  const ys = new Float32Array(rows.length);
  rows.forEach((row, i) => {
    xs[2 * i] = x[2 * row];
    xs[2 * i + 1] = x[2 * row + 1];
    ys[i] = y[row];
  });
  return [xs, ys];
}

function endEpoch() {
  epoch++;
  order = null;
  rowsDone = 0;
  return rule.check(record(epoch), pace);
}

/** One epoch, or the rest of the one that step mode began; answers why to stop, or null. */
async function trainEpoch() {
  if (order) {
    await net.fit(...trainingRows(order.slice(rowsDone)), fitOptions(training.batchSize, false));
  } else {
    await net.fit(data.train.x, data.train.y, fitOptions(training.batchSize, true));
  }
  return endEpoch();
}

/** One batch of the current epoch, in an order of the rows drawn for it. */
async function trainStep() {
  const count = data.train.y.length;
  if (!order) {
    const rng = seededRandom((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
    order = shuffle(Array.from({ length: count }, (_, i) => i), rng);
  }
  const batch = order.slice(rowsDone, rowsDone + training.batchSize);
  await net.fit(...trainingRows(batch), fitOptions(batch.length, false));
  rowsDone += batch.length;
  if (rowsDone === count) return endEpoch();
  record(epoch + rowsDone / count);
  return null;
}

/** Trains one frame's worth at the chosen speed; answers why to stop, or null. */
async function trainFrame(started) {
  if (pace.speed === 'step') return trainStep();
  const epochs = { epoch: 1, epochs10: 10, full: Infinity }[pace.speed];
  for (let i = 0; i < epochs && performance.now() - started < FRAME_MS; i++) {
    const stop = await trainEpoch();
    if (stop) return stop;
  }
  return null;
}

// Training stops at a DivergenceError; fit has already put back the weights from before the call.
async function guarded(train) {
  try {
    return await train();
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    return {
      reason: 'diverged',
      message: `training diverged in epoch ${epoch + 1}, and simdnet put back the weights from before the failed fit call, ` +
        `which are shown. Its message, counting epochs from 1 in each call (the page makes one an epoch or a step): "${e.message}"`,
    };
  }
}

function postSnapshot(stop = null) {
  self.postMessage({
    type: 'snapshot',
    generation,
    layers: net.config.layers,
    epoch: epoch + (order ? rowsDone / data.train.y.length : 0),
    weights: net.getWeights(),
    records,
    running,
    stop,
  });
  records = [];
}

async function frame(mine) {
  if (mine !== run) return;
  const started = performance.now();
  const stop = epochLimit(epoch, pace) ?? await guarded(() => trainFrame(started));
  if (stop) {
    running = false;
    // Play after a stop trains on, for as long again as the rule asks.
    rule = stoppingRule(epoch);
  }
  postSnapshot(stop);
  if (running) setTimeout(() => serially(() => frame(mine)), Math.max(0, FRAME_MS - (performance.now() - started)));
}

function play() {
  running = true;
  serially(() => frame(++run));
}

function pause() {
  running = false;
  run++;
}

async function reset(message) {
  pause();
  net?.dispose();
  net = null;
  ({ generation, data, seed, training, pace } = message);
  epoch = 0;
  order = null;
  rowsDone = 0;
  records = [];
  rule = stoppingRule(0);
  net = await Network.create({
    inputs: 2,
    layers: [...message.layers, { units: 1, activation: 'sigmoid' }],
    loss: 'binaryCrossentropy',
    seed,
  });
  record(0);
  postSnapshot();
  if (message.play) play();
}

const handlers = {
  reset,
  configure(message) {
    ({ training, pace } = message);
  },
  play,
  pause() {
    pause();
    if (net) postSnapshot();
  },
  // A step trains whatever the stopping rule says: only a divergence stops it.
  async step() {
    if (running || !net) return;
    const stop = await guarded(() => trainEpoch());
    postSnapshot(stop?.reason === 'diverged' ? stop : null);
  },
  download() {
    self.postMessage({ type: 'network', json: net.toJSON() });
  },
};

self.onmessage = ({ data: message }) => serially(() => handlers[message.type](message));
