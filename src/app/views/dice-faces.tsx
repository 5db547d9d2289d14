/** Two dice faces drawn as pips (SVG), named for screen readers and tests by their values. */

const PIPS: Record<number, [number, number][]> = {
  1: [[2, 2]],
  2: [[1, 1], [3, 3]],
  3: [[1, 1], [2, 2], [3, 3]],
  4: [[1, 1], [3, 1], [1, 3], [3, 3]],
  5: [[1, 1], [3, 1], [2, 2], [1, 3], [3, 3]],
  6: [[1, 1], [3, 1], [1, 2], [3, 2], [1, 3], [3, 3]],
};

function Face({ value }: { value: number }) {
  return (
    <svg viewBox="0 0 40 40" class="die" aria-hidden="true">
      <rect x="1" y="1" width="38" height="38" rx="7" />
      {PIPS[value]!.map(([cx, cy]) => (
        <circle key={`${cx}${cy}`} cx={cx * 10} cy={cy * 10} r="4" />
      ))}
    </svg>
  );
}

/** The last roll. */
export function Dice({ first, second }: { first: number; second: number }) {
  return (
    <div class="dice" role="img" aria-label={`Dice: ${first} and ${second}, total ${first + second}`}>
      <Face value={first} />
      <Face value={second} />
    </div>
  );
}
