// The playground page: controls, the decision boundary and the loss curve.
// Training runs in worker.js.

import { DATASETS, makeDataset } from './datasets.js';

const $ = (id) => document.getElementById(id);
const boundary = $('boundary').getContext('2d');
const curve = $('curve').getContext('2d');
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let losses = [];
let points = [];

for (const name of DATASETS) $('dataset').add(new Option(name, name));

// Blue for class 0, orange for class 1, pale near the boundary.
function color(p) {
  const blue = [33, 102, 172];
  const orange = [230, 97, 1];
  const strength = Math.abs(p - 0.5) * 2;
  return (p < 0.5 ? blue : orange).map((c) => Math.round(255 - (255 - c) * strength * 0.6));
}

function drawBoundary(grid) {
  const { width, height } = boundary.canvas;
  const size = Math.sqrt(grid.length);
  const cell = width / size;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      boundary.fillStyle = `rgb(${color(grid[r * size + c]).join(',')})`;
      boundary.fillRect(c * cell, r * cell, Math.ceil(cell), Math.ceil((height / size)));
    }
  }
  drawPoints();
}

function drawPoints() {
  const { width, height } = boundary.canvas;
  for (const [x, y, label] of points) {
    boundary.beginPath();
    boundary.arc(((x + 1) / 2) * width, ((1 - y) / 2) * height, 3, 0, 2 * Math.PI);
    boundary.fillStyle = label ? '#e66101' : '#2166ac';
    boundary.strokeStyle = '#fff';
    boundary.fill();
    boundary.stroke();
  }
}

function drawCurve() {
  const { width, height } = curve.canvas;
  curve.clearRect(0, 0, width, height);
  const max = Math.max(...losses, 1e-9);
  curve.beginPath();
  losses.forEach((loss, i) => {
    const x = (i / Math.max(losses.length - 1, 1)) * (width - 20) + 10;
    const y = height - 10 - (loss / max) * (height - 20);
    if (i === 0) curve.moveTo(x, y);
    else curve.lineTo(x, y);
  });
  curve.strokeStyle = '#333';
  curve.stroke();
}

$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  const hidden = $('hidden').value.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
  points = makeDataset($('dataset').value).points;
  losses = [];
  boundary.clearRect(0, 0, boundary.canvas.width, boundary.canvas.height);
  drawPoints();
  worker.postMessage({
    type: 'train', dataset: $('dataset').value, hidden, activation: $('activation').value, learningRate: Number($('learningRate').value),
  });
  $('stop').disabled = false;
  $('status').textContent = 'Training…';
});

$('stop').addEventListener('click', () => {
  worker.postMessage({ type: 'stop' });
  $('stop').disabled = true;
});

worker.onmessage = ({ data }) => {
  if (data.type === 'error') {
    $('status').textContent = `Error: ${data.message}`;
    return;
  }
  losses.push(data.loss);
  drawBoundary(data.grid);
  drawCurve();
  $('status').textContent = `epoch ${data.epoch} · loss ${data.loss.toFixed(4)} · accuracy ${(data.accuracy * 100).toFixed(1)}%`;
  $('status').dataset.loss = String(data.loss);
  $('status').dataset.firstLoss = String(losses[0]);
};
