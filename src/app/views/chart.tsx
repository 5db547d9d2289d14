/**
 * The balance-over-time chart: plain SVG, no chart library. It draws one
 * line through at most a few hundred points; a library (uPlot is ~45 KB)
 * would outweigh the rest of the app for that.
 */

/** Balances after each entry, oldest first. Plotting converts to Number only for pixel positions. */
export function BalanceChart({ points, label }: { points: bigint[]; label: string }) {
  const width = 320;
  const height = 120;
  const pad = 6;
  if (points.length < 2) return <p class="hint">The chart appears after two entries.</p>;
  let min = points[0]!;
  let max = points[0]!;
  for (const p of points) {
    if (p < min) min = p;
    if (p > max) max = p;
  }
  const span = max - min === 0n ? 1n : max - min;
  // Exact up to the scale step: (p − min) / span in millionths, then to pixels.
  const y = (p: bigint) => height - pad - (Number(((p - min) * 1_000_000n) / span) / 1_000_000) * (height - 2 * pad);
  const x = (i: number) => pad + (i / (points.length - 1)) * (width - 2 * pad);
  const path = points.map((p, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(p).toFixed(1)}`).join(' ');
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} preserveAspectRatio="none">
      <line x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} class="axis" />
      <path d={path} class="line" vector-effect="non-scaling-stroke" />
    </svg>
  );
}
