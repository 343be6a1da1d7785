// A small hand-written SVG line chart: series over dates, on a left axis and an optional right one.
// Hand-written rather than a vendored library: it is ~120 lines, needs nothing from outside, and
// draws exactly what the calculations need (three volumes and a ratio over time).

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 760;
const HEIGHT = 320;
const MARGIN = { top: 16, right: 56, bottom: 36, left: 56 };
const TICKS = 5;

/**
 * `lineChart({ dates, series, label })`: `dates` are "YYYY-MM-DD" strings; each series is
 * `{ name, values, axis: "left" | "right" }` and is drawn with the CSS class `series-<name>`.
 * Returns an <svg> element (the legend is the caller's: see `legend`).
 */
export function lineChart({ dates, series, label }) {
  const svg = node("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": label, class: "line-chart" });
  const times = dates.map((date) => Date.parse(`${date}T00:00:00Z`));
  const x = scale(extent(times), [MARGIN.left, WIDTH - MARGIN.right]);
  const axes = {
    left: niceScale(series.filter((one) => one.axis === "left")),
    right: niceScale(series.filter((one) => one.axis === "right")),
  };
  svg.append(grid(axes.left), xAxis(times, x), yAxis(axes.left, MARGIN.left, "end", -8));
  if (series.some((one) => one.axis === "right")) svg.append(yAxis(axes.right, WIDTH - MARGIN.right, "start", 8));
  for (const one of series) {
    const y = axes[one.axis].scale;
    const points = one.values.map((value, index) => `${x(times[index]).toFixed(1)},${y(value).toFixed(1)}`);
    svg.append(node("polyline", { points: points.join(" "), class: `series series-${one.name}`, "data-series": one.name }));
    if (one.values.length <= 60) {
      for (const point of points) {
        const [cx, cy] = point.split(",");
        svg.append(node("circle", { cx, cy, r: 2.5, class: `dot series-${one.name}` }));
      }
    }
  }
  return svg;
}

/** The legend as HTML: a swatch and a name per series, with the axis it is read on. */
export function legend(series) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const one of series) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch series-${one.name}`;
    item.append(swatch, `${one.name} (${one.axis} axis)`);
    list.append(item);
  }
  return list;
}

function node(tag, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

// Loops, not Math.min(...values): a spread of 50,000 values can overflow the call stack.
function extent(values) {
  return values.reduce(([low, high], value) => [Math.min(low, value), Math.max(high, value)], [Infinity, -Infinity]);
}

/** A linear map from `domain` to `range`; a domain of one value maps to the middle. */
function scale([low, high], [start, end]) {
  if (high === low) return () => (start + end) / 2;
  return (value) => start + ((value - low) / (high - low)) * (end - start);
}

/** An axis from 0 to a round number above the largest value, with its tick values. */
function niceScale(series) {
  const largest = series.reduce((most, one) => Math.max(most, extent(one.values)[1]), 0);
  const step = niceStep(largest / TICKS);
  const top = Math.max(step * TICKS, step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, index) => index * step);
  return { ticks, scale: scale([0, top], [HEIGHT - MARGIN.bottom, MARGIN.top]) };
}

function niceStep(rough) {
  if (rough <= 0) return 0.2;
  const power = 10 ** Math.floor(Math.log10(rough));
  const multiple = [1, 2, 2.5, 5, 10].find((candidate) => candidate * power >= rough);
  return multiple * power;
}

function grid(axis) {
  const group = node("g", { class: "grid" });
  for (const tick of axis.ticks) {
    const y = axis.scale(tick);
    group.append(node("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y, y2: y }));
  }
  return group;
}

function yAxis(axis, x, anchor, shift) {
  const group = node("g", { class: "axis" });
  const step = axis.ticks[1];
  const decimals = Number.isInteger(step) ? 0 : step < 1 ? 2 : 1;
  for (const tick of axis.ticks) {
    const text = tick.toFixed(decimals);
    group.append(node("text", { x: x + shift, y: axis.scale(tick) + 4, "text-anchor": anchor }, text));
  }
  return group;
}

function xAxis(times, x) {
  const group = node("g", { class: "axis" });
  const bottom = HEIGHT - MARGIN.bottom;
  group.append(node("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: bottom, y2: bottom }));
  const [first, last] = extent(times);
  const count = first === last ? 1 : Math.min(TICKS, times.length);
  for (let index = 0; index < count; index += 1) {
    const time = count === 1 ? first : first + ((last - first) * index) / (count - 1);
    const day = new Date(time).toISOString().slice(0, 10);
    const anchor = count === 1 ? "middle" : index === 0 ? "start" : index === count - 1 ? "end" : "middle";
    group.append(node("text", { x: x(time), y: bottom + 22, "text-anchor": anchor }, day));
  }
  return group;
}
