// The buttons above the network's columns: units and activation of each hidden layer, as
// TensorFlow Playground has them. They edit the layer list; the page writes it to the text field.

import { ACTIVATIONS, MAX_UNITS } from './settings.js';

function button(text, label, disabled, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.disabled = disabled;
  b.addEventListener('click', onClick);
  return b;
}

function cell(...children) {
  const div = document.createElement('div');
  div.className = 'layer-cell';
  div.append(...children);
  return div;
}

/**
 * Fills the container with one cell per column of the network drawing: the inputs, each hidden
 * layer (− units +, activation), the output. onChange receives the edited layers.
 */
export function renderLayerEditor(container, layers, onChange) {
  const edited = (i, change) => onChange(layers.map((layer, j) => (i === j ? { ...layer, ...change } : layer)));
  const cells = layers.map(({ units, activation }, i) => {
    const count = document.createElement('span');
    count.textContent = `${units} unit${units === 1 ? '' : 's'}`;
    const select = document.createElement('select');
    select.setAttribute('aria-label', `activation of hidden layer ${i + 1}`);
    select.dataset.layer = String(i);
    for (const name of ACTIVATIONS) select.add(new Option(name, name, false, name === activation));
    // A leakyRelu slope typed in the text field belongs to that activation and goes with it.
    select.addEventListener('change', () => edited(i, { activation: select.value, alpha: undefined }));
    const sizeButtons = cell(
      button('−', `fewer units in hidden layer ${i + 1}`, units === 1, () => edited(i, { units: units - 1 })),
      count,
      button('+', `more units in hidden layer ${i + 1}`, units === MAX_UNITS, () => edited(i, { units: units + 1 })),
    );
    sizeButtons.classList.add('units');
    return cell(sizeButtons, select);
  });
  container.style.setProperty('--columns', String(layers.length + 2));
  container.replaceChildren(cell('inputs x₁, x₂'), ...cells, cell('output (sigmoid)'));
}
