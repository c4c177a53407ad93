// Numbers as the pages print them.

/** Three significant digits, in exponent form below 0.001 and from 10,000 up: 0.693, 3.21e-7. */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const size = Math.abs(value);
  if (size < 1e-3 || size >= 1e4) return value.toExponential(2).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(value.toPrecision(3)));
}

/** An epoch count: whole ones with thousands separators, a part-way one (step by step) with two decimals. */
export function formatEpoch(epoch) {
  return Number.isInteger(epoch) ? epoch.toLocaleString('en') : epoch.toFixed(2);
}

/** An axis label: up to three decimals, thousands separated: 0.5, 12,000. */
export function formatTick(value) {
  return value.toLocaleString('en', { maximumFractionDigits: 3 });
}

/** A fraction as a percentage with one decimal, without the decimal at 100 %: 97.5 %, 100 %. */
export function formatPercent(fraction) {
  const percent = fraction * 100;
  return `${percent === 100 ? '100' : percent.toFixed(1)} %`;
}

/** A rate with a thousands suffix: 61.2k, 4,607. */
export function formatRate(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)}M`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toPrecision(3)}k`;
  return Math.round(perSecond).toLocaleString('en');
}
