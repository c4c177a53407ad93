// The race page: runs each contestant in a worker of its own, one after the other, and shows
// their rates, their loss curves and the verdict.

import { drawChart } from './chart.js';
import { formatNumber, formatRate } from './format.js';

const CONTESTANTS = [
  { id: 'simdnet', name: 'simdnet', library: 'simdnet', colour: '#e66101' },
  { id: 'tfjs-wasm', name: 'TF.js wasm', library: 'tfjs', backend: 'wasm', colour: '#2166ac' },
  { id: 'tfjs-webgl', name: 'TF.js WebGL', library: 'tfjs', backend: 'webgl', colour: '#1b7837' },
  { id: 'tfjs-cpu', name: 'TF.js cpu', library: 'tfjs', backend: 'cpu', colour: '#762a83' },
];

const $ = (id) => document.getElementById(id);

/** Per contestant: { detail, status, rate, loss, points: [seconds, loss][] }. */
let results = {};

function rowOf({ id, name, colour }) {
  const row = document.createElement('tr');
  row.dataset.contestant = id;
  const swatch = `<span class="line-swatch" style="background:${colour}"></span>`;
  row.innerHTML = `<th scope="row">${swatch}${name}</th><td class="detail"></td><td class="rate"></td><td class="loss"></td><td class="ratio"></td>`;
  return row;
}

// simdnet's rate against another's, in words: "9.7× faster", "1.2× slower".
function howMuchFaster(simdnetRate, otherRate) {
  const ratio = simdnetRate / otherRate;
  return ratio >= 1 ? `${ratio.toFixed(1)}× faster` : `${(1 / ratio).toFixed(1)}× slower`;
}

function showResults() {
  const simdnet = results.simdnet?.rate;
  for (const contestant of CONTESTANTS) {
    const result = results[contestant.id] ?? {};
    const row = document.querySelector(`tr[data-contestant="${contestant.id}"]`);
    row.querySelector('.detail').textContent = result.detail ?? result.status ?? 'waiting';
    row.querySelector('.rate').textContent = result.rate ? formatRate(result.rate) : '';
    row.querySelector('.loss').textContent = result.loss === undefined ? '' : formatNumber(result.loss);
    const compared = contestant.id !== 'simdnet' && simdnet && result.rate;
    row.querySelector('.ratio').textContent = compared ? howMuchFaster(simdnet, result.rate) : '';
    row.dataset.rate = result.rate && result.done ? String(result.rate) : '';
    row.dataset.state = result.state ?? 'waiting';
  }
  drawChart($('raceChart'), {
    series: CONTESTANTS.filter(({ id }) => results[id]?.points?.length).map(({ id, name, colour }) => ({
      label: name, colour, points: results[id].points,
    })),
    xLabel: 'seconds of training (the first slice included)',
    yLabel: 'training loss',
    xMin: Number($('seconds').value),
  });
}

// One contestant in a worker of its own; resolves when it has finished or cannot run here.
function runContestant({ id, library, backend }, seconds) {
  const result = (results[id] = { state: 'running', status: 'starting…', points: [] });
  showResults();
  const worker = new Worker(new URL('./race-worker.js', import.meta.url));
  return new Promise((resolve) => {
    const finish = (state, status) => {
      Object.assign(result, { state, done: state === 'done' }, status ? { detail: status } : {});
      worker.terminate();
      showResults();
      resolve();
    };
    worker.onmessage = ({ data }) => {
      if (data.type === 'ready') result.detail = data.detail;
      if (data.type === 'progress') {
        result.points.push([data.seconds, data.loss]);
        result.loss = data.loss;
        if (data.timedSeconds > 0) result.rate = data.timedSamples / data.timedSeconds;
      }
      if (data.type === 'done') return finish('done');
      if (data.type === 'unavailable') return finish('unavailable', `not available in this browser: ${data.reason}`);
      if (data.type === 'error') return finish('failed', `failed: ${data.message}`);
      showResults();
    };
    worker.onerror = (event) => finish('failed', `failed: ${event.message}`);
    worker.postMessage({ library, backend, seconds });
  });
}

// "simdnet trained 11.1× faster than TF.js wasm in this browser", then the other backends.
function verdict() {
  const simdnet = results.simdnet;
  if (!simdnet?.done) return `simdnet did not finish: ${simdnet?.detail ?? ''}`;
  const [first, ...others] = CONTESTANTS.slice(1).map(({ id, name }) => {
    const other = results[id];
    if (!other?.done) return `${name} did not run (${other?.detail ?? 'not started'})`;
    return `${howMuchFaster(simdnet.rate, other.rate)} than ${name}`;
  });
  const opening = /^\d/.test(first) ? `simdnet trained ${first} in this browser` : first;
  return `${opening}; ${others.join('; ')}.`;
}

$('start').addEventListener('click', async () => {
  $('start').disabled = true;
  $('seconds').disabled = true;
  results = {};
  const seconds = Number($('seconds').value);
  for (const contestant of CONTESTANTS) {
    $('verdict').textContent = `Training ${contestant.name} for ${seconds} s…`;
    await runContestant(contestant, seconds);
  }
  $('verdict').textContent = verdict();
  $('verdict').dataset.done = 'true';
  $('start').disabled = false;
  $('seconds').disabled = false;
});

$('results').tBodies[0].append(...CONTESTANTS.map(rowOf));
window.addEventListener('resize', showResults);
showResults();
