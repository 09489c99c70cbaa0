/**
 * Benchmark figures: printed for people, or as one JSON object per line with `--json`
 * ({"id", "value", "unit", "target"}) for tools.
 */

export interface Figure {
  id: string;
  label: string;
  value: number;
  unit: string;
  /** The figure to stay at or under; null where there is none. */
  target: number | null;
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function printFigure(figure: Figure, json: boolean): void {
  if (json) {
    process.stdout.write(
      JSON.stringify({ id: figure.id, value: round(figure.value), unit: figure.unit, target: figure.target }) + '\n',
    );
    return;
  }
  const target =
    figure.target === null
      ? ''
      : `  (target ≤ ${figure.target} ${figure.unit}: ${figure.value <= figure.target ? 'met' : 'MISSED'})`;
  process.stdout.write(
    `${figure.id.padEnd(24)} ${figure.label.padEnd(60)} ${String(round(figure.value)).padStart(10)} ${figure.unit}${target}\n`,
  );
  if (figure.note) process.stdout.write(`${''.padEnd(25)}${figure.note}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
