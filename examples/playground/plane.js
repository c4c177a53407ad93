// Drawing on the plane [-1, 1]²: a value of the lattice's points as colour (blue for negative
// and class 0, orange for positive and class 1, white at 0), and the data points.

export const GRID = 64;

/** The GRID × GRID lattice's points, row by row from the top (y = 1), as n×2 row-major. */
export const LATTICE = new Float32Array(GRID * GRID * 2);
for (let r = 0; r < GRID; r++) {
  for (let c = 0; c < GRID; c++) {
    LATTICE[2 * (r * GRID + c)] = ((c + 0.5) / GRID) * 2 - 1;
    LATTICE[2 * (r * GRID + c) + 1] = 1 - ((r + 0.5) / GRID) * 2;
  }
}

export const BLUE = [33, 102, 172];
export const ORANGE = [230, 97, 1];
export const rgb = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

const scratch = document.createElement('canvas');
scratch.width = GRID;
scratch.height = GRID;
const scratchContext = scratch.getContext('2d');
const image = scratchContext.createImageData(GRID, GRID);

/**
 * Paints GRID² values (the lattice's order, each in [-1, 1]) into a rectangle of the context.
 * strength below 1 keeps the colours pale, so that points drawn on top stand out.
 */
export function drawHeatmap(context, values, [x, y, width, height], strength = 1) {
  for (let i = 0; i < GRID * GRID; i++) {
    const v = Math.max(-1, Math.min(1, values[i])) * strength;
    const colour = v < 0 ? BLUE : ORANGE;
    for (let ch = 0; ch < 3; ch++) image.data[4 * i + ch] = 255 + (colour[ch] - 255) * Math.abs(v);
    image.data[4 * i + 3] = 255;
  }
  scratchContext.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(scratch, x, y, width, height);
}

/** Draws [x, y, label] points over a square canvas showing the plane, in the colour of their class. */
export function drawPoints(context, points, { rim, radius }) {
  const size = context.canvas.width;
  context.lineWidth = Math.max(1, radius / 3);
  context.strokeStyle = rim;
  for (const [x, y, label] of points) {
    context.beginPath();
    context.arc(((x + 1) / 2) * size, ((1 - y) / 2) * size, radius, 0, 2 * Math.PI);
    context.fillStyle = rgb(label ? ORANGE : BLUE);
    context.fill();
    context.stroke();
  }
}
