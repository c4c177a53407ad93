// The settings' controls: one labelled field per setting, built into the elements whose
// data-fields name them, read as the texts settings.js checks, and marked with its problems.

import { CHOICES, NAMES, SPEEDS } from './settings.js';

const LABELS = {
  dataset: 'Dataset',
  noise: 'Noise (0–0.5)',
  trainPercent: 'Training points (10–90 %)',
  seed: 'Seed',
  layers: 'Hidden layers',
  optimizer: 'Optimizer',
  learningRate: 'Learning rate',
  l2: 'L2',
  batchSize: 'Batch size',
  speed: 'Speed',
  maxEpochs: 'Stop at epoch',
  stopAtConvergence: 'Stop when converged',
};
const OPTION_LABELS = { speed: SPEEDS };
const KEYBOARDS = { noise: 'decimal', trainPercent: 'decimal', learningRate: 'decimal', l2: 'decimal', seed: 'numeric', batchSize: 'numeric', maxEpochs: 'numeric' };
const PLACEHOLDERS = { maxEpochs: 'no limit' };

const control = (name) => document.getElementById(name);

function field(name, onChange) {
  const wrapper = document.createElement('div');
  wrapper.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = name;
  label.textContent = LABELS[name];
  let input;
  if (CHOICES[name]) {
    input = document.createElement('select');
    for (const value of CHOICES[name]) input.add(new Option(OPTION_LABELS[name]?.[value] ?? value, value));
    input.addEventListener('change', onChange);
  } else {
    input = document.createElement('input');
    Object.assign(input, { autocomplete: 'off', spellcheck: false, placeholder: PLACEHOLDERS[name] ?? '' });
    if (KEYBOARDS[name]) input.inputMode = KEYBOARDS[name];
    input.addEventListener('input', onChange);
  }
  input.id = name;
  input.setAttribute('aria-describedby', `${name}-message`);
  const message = document.createElement('small');
  message.id = `${name}-message`;
  message.className = 'message';
  wrapper.append(label, input, message);
  return wrapper;
}

/** Builds every field into its container; onChange runs on each edit. */
export function buildControls(onChange) {
  for (const container of document.querySelectorAll('[data-fields]')) {
    container.replaceWith(...container.dataset.fields.split(' ').map((name) => field(name, onChange)));
  }
}

/** Every setting's text as the controls hold it. */
export function readControls() {
  return Object.fromEntries(NAMES.map((name) => [name, control(name).value]));
}

/** Shows the texts; a select shows a value it has no option for (from a link) as itself, to be marked wrong. */
export function writeControls(fields) {
  for (const name of NAMES) {
    const input = control(name);
    if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === fields[name])) {
      input.add(new Option(fields[name], fields[name]));
    }
    input.value = fields[name];
  }
}

/** Marks each field with its { error } (red) or { warning } (amber) and shows the message under it. */
export function showProblems(problems) {
  for (const name of NAMES) {
    const { error, warning } = problems[name] ?? {};
    const input = control(name);
    input.classList.toggle('invalid', Boolean(error));
    input.classList.toggle('warned', Boolean(warning));
    input.setAttribute('aria-invalid', String(Boolean(error)));
    const message = document.getElementById(`${name}-message`);
    message.textContent = error ?? warning ?? '';
    message.className = `message ${error ? 'error' : warning ? 'warning' : ''}`;
  }
}
