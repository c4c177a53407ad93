// The network drawn as TensorFlow Playground draws it: one column per layer, each unit a small
// heatmap of its activation over the plane, and the connections between them coloured by the
// sign of their weight (orange positive, blue negative) and as wide as it is large.

import { BLUE, drawHeatmap, GRID, LATTICE, ORANGE, rgb } from './plane.js';

const GAP = 10;

// The lattice's x and y, each a heatmap of the input units.
const INPUTS = [0, 1].map((axis) => Float32Array.from({ length: GRID * GRID }, (_, i) => LATTICE[2 * i + axis]));

/**
 * Unit j's activations over the lattice, scaled into [-1, 1] for colouring: sigmoid and softmax
 * map [0, 1] there, tanh is there already; linear, relu and leakyRelu have no bound, so each
 * unit is divided by its largest magnitude over the plane.
 */
function unitValues(activations, units, j, activation) {
  const values = new Float32Array(GRID * GRID);
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const a = activations[i * units + j];
    values[i] = activation === 'sigmoid' || activation === 'softmax' ? 2 * a - 1 : a;
    largest = Math.max(largest, Math.abs(values[i]));
  }
  if (!['sigmoid', 'softmax', 'tanh'].includes(activation) && largest > 0) {
    for (let i = 0; i < values.length; i++) values[i] /= largest;
  }
  return values;
}

/** Every unit's heatmap values, column by column: the two inputs, then each layer's units. */
export function unitHeatmaps(layers, outputs) {
  return [INPUTS, ...layers.map(({ units, activation }, l) =>
    Array.from({ length: units }, (_, j) => unitValues(outputs[l], units, j, activation)))];
}

// The size of a unit's tile and the canvas height for a network of these column heights.
function networkGeometry(width, heights) {
  const tile = Math.round(Math.max(18, Math.min(40, (0.5 * width) / heights.length)));
  return { tile, height: Math.max(...heights) * (tile + GAP) + GAP };
}

/**
 * Draws the network on the canvas: layers are config.layers (hidden and output), weights are
 * getWeights()'s, heatmaps are unitHeatmaps' for them. The canvas's columns are as wide as the
 * canvas divided by their number. Returns where each unit is: [{ column, unit, x, y, size }].
 */
export function drawNetwork(canvas, { layers, weights, heatmaps }) {
  const scale = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const heights = [2, ...layers.map((l) => l.units)];
  const { tile, height } = networkGeometry(width, heights);
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d');
  context.scale(scale, scale);

  const column = width / heights.length;
  const place = (c, j) => [(c + 0.5) * column - tile / 2, GAP + j * (tile + GAP)];

  layers.forEach(({ units }, l) => {
    const w = weights[l].weights;
    for (let k = 0; k < heights[l]; k++) {
      const [x0, y0] = place(l, k);
      for (let j = 0; j < units; j++) {
        const [x1, y1] = place(l + 1, j);
        const weight = w[k * units + j];
        const from = [x0 + tile, y0 + tile / 2];
        const to = [x1, y1 + tile / 2];
        const middle = (from[0] + to[0]) / 2;
        context.beginPath();
        context.moveTo(...from);
        context.bezierCurveTo(middle, from[1], middle, to[1], ...to);
        context.strokeStyle = rgb(weight < 0 ? BLUE : ORANGE);
        context.globalAlpha = Math.min(1, 0.25 + Math.abs(weight) / 2);
        context.lineWidth = Math.min(5, 0.3 + Math.abs(weight));
        context.stroke();
      }
    }
  });
  context.globalAlpha = 1;

  const tiles = heatmaps.flatMap((column, c) => column.map((values, j) => {
    const [x, y] = place(c, j);
    drawHeatmap(context, values, [x, y, tile, tile]);
    context.strokeStyle = '#555';
    context.lineWidth = 1;
    context.strokeRect(x + 0.5, y + 0.5, tile - 1, tile - 1);
    return { column: c, unit: j, x, y, size: tile };
  }));
  canvas.dataset.units = String(tiles.length);
  return tiles;
}
