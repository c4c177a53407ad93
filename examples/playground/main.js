// The playground page: the controls and their settings in the URL, the worker that trains, and
// the drawing of the snapshots it sends.

import { drawChart } from './chart.js';
import { buildControls, readControls, showProblems, writeControls } from './controls.js';
import { makeDataset } from './datasets.js';
import { formatEpoch, formatNumber, formatPercent } from './format.js';
import { layerOutputs } from './forward.js';
import { renderLayerEditor } from './layer-editor.js';
import { drawNetwork, unitHeatmaps } from './network-view.js';
import { drawHeatmap, drawPoints, GRID, LATTICE } from './plane.js';
import { checkSettings, formatLayers, MAX_LAYERS, parseLayers, readHash, writeHash } from './settings.js';

const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

const view = {
  /** The data and layers of the network the worker holds, as JSON: a change means a new network. */
  structure: '',
  /** Counts resets, so that snapshots of a replaced network are ignored. */
  generation: 0,
  settings: null,
  data: null,
  /** The worker's latest snapshot: { layers, weights, epoch, running }. */
  snapshot: null,
  /** Every record since the reset, and the moments the chart marks. */
  records: [],
  marks: [],
  stop: null,
  running: false,
  valid: false,
  /** Where the network drawing has each unit, and the unit under the pointer, shown large. */
  tiles: [],
  focus: null,
};

function editLayers(layers) {
  $('layers').value = formatLayers(layers);
  update();
}

function showLayerControls(layers) {
  const count = layers?.length ?? 0;
  $('layerCount').textContent = layers ? `${count} hidden layer${count === 1 ? '' : 's'}` : 'hidden layers: see the field below';
  $('removeLayer').disabled = !layers || count === 0;
  $('addLayer').disabled = !layers || count === MAX_LAYERS;
  renderLayerEditor($('layerEditor'), layers ?? [], editLayers);
}

/** Reads every control; marks what is wrong; writes the URL; hands valid settings to the worker. */
function update() {
  const fields = readControls();
  history.replaceState(null, '', writeHash(fields));
  const { settings, problems } = checkSettings(fields);
  showProblems(problems);
  showLayerControls(parseLayers(fields.layers).layers);
  // While a field is invalid, training goes on with the last valid settings, and the page says so.
  view.valid = settings !== null;
  if (settings) apply(settings);
  showState();
}

function apply(settings, { restart = false, play = view.running } = {}) {
  const structure = JSON.stringify({ data: settings.data, layers: settings.layers });
  const { training, pace } = settings;
  view.settings = settings;
  if (structure === view.structure && !restart) {
    worker.postMessage({ type: 'configure', training, pace });
    return;
  }
  view.structure = structure;
  view.data = makeDataset(settings.data);
  Object.assign(view, { generation: view.generation + 1, snapshot: null, records: [], marks: [], stop: null });
  const arrays = ({ x, y }) => ({ x, y });
  worker.postMessage({
    type: 'reset',
    generation: view.generation,
    data: { train: arrays(view.data.train), validation: arrays(view.data.validation) },
    layers: settings.layers,
    seed: settings.data.seed,
    training,
    pace,
    play,
  });
  scheduleDraw();
}

function receiveSnapshot(snapshot) {
  if (snapshot.generation !== view.generation) return;
  view.snapshot = snapshot;
  view.running = snapshot.running;
  for (const entry of snapshot.records) {
    const previous = view.records.at(-1);
    if (previous && previous.learningRate !== entry.learningRate) {
      view.marks.push({ x: previous.epoch, label: `learning rate ${formatNumber(entry.learningRate)}` });
    }
    view.records.push(entry);
  }
  if (snapshot.stop) {
    view.stop = { ...snapshot.stop, epoch: snapshot.epoch };
    view.marks.push({ x: snapshot.epoch, label: snapshot.stop.reason === 'diverged' ? 'diverged' : 'stopped' });
  } else if (snapshot.running) {
    view.stop = null;
  }
  scheduleDraw();
}

function download(json) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([JSON.stringify(json, null, 1)], { type: 'application/json' }));
  link.download = `simdnet-${view.settings.data.dataset}-epoch-${Math.floor(view.snapshot.epoch)}.json`;
  link.click();
  URL.revokeObjectURL(link.href);
}

worker.onmessage = ({ data: message }) => {
  if (message.type === 'snapshot') receiveSnapshot(message);
  if (message.type === 'network') download(message.json);
  if (message.type === 'error') {
    view.running = false;
    view.stop = { reason: 'error', message: message.message, epoch: view.snapshot?.epoch ?? 0 };
    showState();
  }
};

function showState() {
  const status = $('status');
  const last = view.records.at(-1);
  const epoch = view.snapshot?.epoch ?? 0;
  $('epoch').textContent = `epoch ${formatEpoch(epoch)}`;
  const invalid = $('invalidNotice');
  invalid.hidden = view.valid;
  invalid.textContent = view.running
    ? 'Fix the fields marked in red to apply your changes; training goes on with the last valid settings.'
    : 'Fix the fields marked in red to train.';
  if (last) {
    status.textContent = `loss ${formatNumber(last.loss)} training, ${formatNumber(last.valLoss)} validation · ` +
      `accuracy ${formatPercent(last.accuracy)} training, ${formatPercent(last.valAccuracy)} validation`;
    Object.assign(status.dataset, {
      epoch: String(epoch), loss: String(last.loss), valLoss: String(last.valLoss),
      accuracy: String(last.accuracy), valAccuracy: String(last.valAccuracy),
    });
  }
  status.dataset.state = view.running ? 'running' : view.stop ? 'stopped' : 'paused';
  const stop = $('stopReason');
  stop.dataset.reason = view.stop?.reason ?? '';
  stop.textContent = view.stop ? `Stopped at epoch ${formatEpoch(view.stop.epoch)}: ${view.stop.message}` +
    {
      diverged: ' Training stopped: lower the learning rate and press Play.',
      epochLimit: ' Raise or clear the limit to train on.',
      converged: ' Press Play to train on.',
      error: '',
    }[view.stop.reason] : '';
  $('play').textContent = view.running ? 'Pause' : 'Play';
  $('play').disabled = !view.valid && !view.running;
  $('step').disabled = !view.valid || view.running;
  $('reset').disabled = !view.valid;
  $('download').disabled = !view.snapshot;
}

// The plane coloured by values in [-1, 1] (the output's or a unit's), under the points.
function drawBoundary(values) {
  const canvas = $('boundary');
  const size = Math.round(canvas.clientWidth * (window.devicePixelRatio || 1));
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d');
  if (values) {
    drawHeatmap(context, values, [0, 0, size, size], 0.7);
  } else {
    context.clearRect(0, 0, size, size);
  }
  if (!view.data) return;
  const radius = Math.max(2.5, size / 120);
  drawPoints(context, view.data.train.points, { rim: '#fff', radius });
  drawPoints(context, view.data.validation.points, { rim: '#222', radius });
}

function drawLossChart() {
  const training = view.settings?.training;
  const points = (key) => view.records.map((r) => [r.epoch, r[key]]);
  drawChart($('chart'), {
    series: [
      { label: 'training loss', colour: '#222', points: points('loss') },
      { label: 'validation loss', colour: '#7b3294', dashed: true, points: points('valLoss') },
    ],
    xLabel: 'epoch',
    yLabel: 'loss',
    xMin: 10,
    marks: view.marks,
    note: training ? `learning rate ${formatNumber(training.learningRate)}` : '',
  });
  $('chartCaption').textContent = training
    ? `Binary cross-entropy without the L2 term, after every epoch (every step at 1 step a frame). ` +
      `Learning rate ${formatNumber(training.learningRate)} (${training.optimizer}), L2 ${formatNumber(training.l2)}, ` +
      `batch size ${training.batchSize}.`
    : '';
}

function draw() {
  const snapshot = view.snapshot;
  $('network').hidden = !snapshot;
  if (snapshot) {
    const outputs = layerOutputs(snapshot.layers, snapshot.weights, LATTICE, GRID * GRID);
    const heatmaps = unitHeatmaps(snapshot.layers, outputs);
    view.tiles = drawNetwork($('network'), { layers: snapshot.layers, weights: snapshot.weights, heatmaps });
    const focus = view.focus && heatmaps[view.focus.column]?.[view.focus.unit];
    drawBoundary(focus ?? heatmaps.at(-1)[0]);
    $('showing').textContent = focus ? `Showing ${unitName(view.focus, snapshot.layers.length)}; point elsewhere for the output.` : '';
  } else {
    drawBoundary(null);
  }
  drawLossChart();
  showState();
}

function unitName({ column, unit }, columns) {
  if (column === 0) return `input x${'₁₂'[unit]}`;
  return column === columns ? 'the output' : `unit ${unit + 1} of hidden layer ${column}`;
}

// The unit under the pointer (or a finger) is drawn large in place of the output.
function focusAt(event) {
  const box = $('network').getBoundingClientRect();
  const [x, y] = [event.clientX - box.left, event.clientY - box.top];
  const tile = view.tiles.find((t) => x >= t.x && x < t.x + t.size && y >= t.y && y < t.y + t.size);
  const focus = tile ? { column: tile.column, unit: tile.unit } : null;
  if (JSON.stringify(focus) === JSON.stringify(view.focus)) return;
  view.focus = focus;
  scheduleDraw();
}

let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    draw();
  });
}

$('play').addEventListener('click', () => {
  if (view.running) {
    worker.postMessage({ type: 'pause' });
  } else {
    view.running = true;
    worker.postMessage({ type: 'play' });
  }
  showState();
});
$('step').addEventListener('click', () => worker.postMessage({ type: 'step' }));
$('reset').addEventListener('click', () => {
  view.running = false;
  apply(view.settings, { restart: true, play: false });
});
$('download').addEventListener('click', () => worker.postMessage({ type: 'download' }));
$('addLayer').addEventListener('click', () => {
  const { layers } = parseLayers($('layers').value);
  editLayers([...layers, { units: 4, activation: layers.at(-1)?.activation ?? 'tanh' }]);
});
$('removeLayer').addEventListener('click', () => editLayers(parseLayers($('layers').value).layers.slice(0, -1)));
window.addEventListener('resize', scheduleDraw);
$('network').addEventListener('pointermove', focusAt);
$('network').addEventListener('pointerdown', focusAt);
$('network').addEventListener('pointerleave', focusAt);

buildControls(update);
const { fields, unknown } = readHash(location.hash);
writeControls(fields);
if (unknown.length > 0) {
  $('link-notice').hidden = false;
  $('link-notice').textContent = `The link has settings this page does not know, which it ignores: ${unknown.join(', ')}.`;
}
update();
