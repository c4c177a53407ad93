// A line chart with a linear x axis and a logarithmic y axis, tick labels, a legend and marked
// moments, drawn on a canvas at the device's pixel density. Both pages plot losses with it.

import { formatNumber, formatTick } from './format.js';

const MARGIN = { left: 56, right: 14, top: 30, bottom: 40 };
const FONT = '12px system-ui, sans-serif';
const AXIS = '#444';
const GRIDLINE = '#e4e4e4';

// A step of 1, 2 or 5 × 10^k that cuts the range into about `count` parts.
function niceStep(range, count) {
  const rough = range / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough);
}

// Every point's position, keeping about one point a pixel column (and the last point).
function thinned(points, width) {
  const stride = Math.max(1, Math.floor(points.length / width));
  return stride === 1 ? points : points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

/**
 * Draws series ({ label, colour, dashed, points: [x, y][] }) on the canvas, x from 0 to the
 * largest x (at least xMin), y on decades spanning every positive y. marks are vertical lines
 * ({ x, label }); note is a line of text at the top right, left out where the legend leaves no room.
 */
export function drawChart(canvas, { series, xLabel, yLabel, xMin = 1, marks = [], note = '' }) {
  const scale = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d');
  context.scale(scale, scale);
  context.font = FONT;
  const plot = { x: MARGIN.left, y: MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom };

  const all = series.flatMap((s) => s.points);
  const ys = all.map(([, y]) => y).filter((y) => y > 0 && Number.isFinite(y));
  const xMax = Math.max(xMin, ...all.map(([x]) => x));
  let low = Math.floor(Math.log10(ys.length ? Math.min(...ys) : 0.1));
  let high = Math.ceil(Math.log10(ys.length ? Math.max(...ys) : 1));
  if (high <= low) high = low + 1;
  low = Math.max(low, high - 12);
  const toX = (x) => plot.x + (x / xMax) * plot.w;
  const toY = (y) => plot.y + plot.h - ((Math.log10(Math.max(y, 10 ** low)) - low) / (high - low)) * plot.h;

  // Decades on the y axis (every other one when there are many), nice steps on the x axis.
  context.textBaseline = 'middle';
  context.textAlign = 'right';
  const decades = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  // Few decades get 2 and 5 between them; many get a label on every other one.
  const steps = high - low <= 2 ? decades.flatMap((d) => [d, 2 * d, 5 * d]).filter((v) => v <= 10 ** high) : decades;
  steps.forEach((value, i) => {
    const y = toY(value);
    context.strokeStyle = GRIDLINE;
    context.beginPath();
    context.moveTo(plot.x, y);
    context.lineTo(plot.x + plot.w, y);
    context.stroke();
    if (high - low <= 6 || i % 2 === 0) {
      context.fillStyle = AXIS;
      context.fillText(formatNumber(value), plot.x - 6, y);
    }
  });
  context.textAlign = 'center';
  context.textBaseline = 'top';
  const step = niceStep(xMax, plot.w / 70);
  for (let x = 0; x <= xMax + 1e-9; x += step) {
    context.strokeStyle = GRIDLINE;
    context.beginPath();
    context.moveTo(toX(x), plot.y);
    context.lineTo(toX(x), plot.y + plot.h);
    context.stroke();
    context.fillStyle = AXIS;
    context.fillText(formatTick(x), toX(x), plot.y + plot.h + 5);
  }
  context.strokeStyle = AXIS;
  context.strokeRect(plot.x + 0.5, plot.y + 0.5, plot.w, plot.h);
  context.fillText(xLabel, plot.x + plot.w / 2, height - 16);
  context.save();
  context.translate(12, plot.y + plot.h / 2);
  context.rotate(-Math.PI / 2);
  context.textBaseline = 'middle';
  context.fillText(`${yLabel} (log scale)`, 0, 0);
  context.restore();

  // Labels of marks take turns on three lines, so that close marks do not write over each other.
  context.textBaseline = 'alphabetic';
  marks.forEach(({ x, label }, i) => {
    context.strokeStyle = '#999';
    context.setLineDash([3, 3]);
    context.beginPath();
    context.moveTo(toX(x), plot.y);
    context.lineTo(toX(x), plot.y + plot.h);
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = '#666';
    context.textAlign = toX(x) > plot.x + plot.w / 2 ? 'right' : 'left';
    context.fillText(label, toX(x) + (context.textAlign === 'left' ? 3 : -3), plot.y + 12 + 13 * (i % 3));
  });

  context.save();
  context.beginPath();
  context.rect(plot.x, plot.y, plot.w, plot.h);
  context.clip();
  context.lineWidth = 1.5;
  for (const { colour, dashed, points } of series) {
    context.strokeStyle = colour;
    context.setLineDash(dashed ? [5, 3] : []);
    context.beginPath();
    thinned(points, plot.w).forEach(([x, y], i) => (i ? context.lineTo(toX(x), toY(y)) : context.moveTo(toX(x), toY(y))));
    context.stroke();
  }
  context.restore();
  context.setLineDash([]);

  // The legend above the plot.
  context.textBaseline = 'middle';
  context.textAlign = 'left';
  let left = plot.x;
  for (const { label, colour, dashed } of series) {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.setLineDash(dashed ? [5, 3] : []);
    context.beginPath();
    context.moveTo(left, MARGIN.top / 2);
    context.lineTo(left + 18, MARGIN.top / 2);
    context.stroke();
    context.fillStyle = AXIS;
    context.fillText(label, left + 22, MARGIN.top / 2);
    left += 30 + context.measureText(label).width;
  }
  context.setLineDash([]);
  if (left + context.measureText(note).width < plot.x + plot.w) {
    context.textAlign = 'right';
    context.fillText(note, plot.x + plot.w, MARGIN.top / 2);
  }
}
