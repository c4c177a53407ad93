// Every layer's activations for many input rows at once, computed in plain JavaScript from the
// weights getWeights returns, so the page can draw what each hidden unit does over the plane
// (predict gives only the output layer). The activations are the library's own functions.

// The library's entry without embedded wasm: the page needs only its activation functions.
import { activationFunction } from '../../dist/slim.js';

// Softmax over each row of a rows×units block, in place, shifted by the row's largest value
// so that exp cannot overflow.
function softmaxRows(a, rows, units) {
  for (let r = 0; r < rows; r++) {
    const row = a.subarray(r * units, (r + 1) * units);
    const top = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < units; j++) sum += row[j] = Math.exp(row[j] - top);
    for (let j = 0; j < units; j++) row[j] /= sum;
  }
}

function activateInPlace(a, rows, { units, activation, alpha }) {
  if (activation === 'softmax') return softmaxRows(a, rows, units);
  const g = activationFunction(activation, alpha);
  for (let i = 0; i < a.length; i++) a[i] = g(a[i]);
}

/**
 * The outputs of every layer for `rows` rows of `input` (row-major): an array with one
 * Float32Array (rows × units) per layer. layers are the network's config.layers ({ units,
 * activation, alpha }); weights are getWeights()'s ({ weights: inputs × units, bias or null }).
 */
export function layerOutputs(layers, weights, input, rows) {
  const outputs = [];
  let previous = input;
  let width = input.length / rows;
  layers.forEach((layer, l) => {
    const { weights: w, bias } = weights[l];
    const { units } = layer;
    const a = new Float32Array(rows * units);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < units; j++) {
        let z = bias ? bias[j] : 0;
        for (let k = 0; k < width; k++) z += previous[r * width + k] * w[k * units + j];
        a[r * units + j] = z;
      }
    }
    activateInPlace(a, rows, layer);
    outputs.push(a);
    previous = a;
    width = units;
  });
  return outputs;
}
