/**
 * The rows of one table while a batch collects them. Integer columns live in a Float64Array and
 * text columns in a plain array, both row-major. Why not one flat array of values: times and
 * 53-bit hashes do not fit V8's small integers, so every one of them was a boxed number on the
 * heap that survived until its batch was written — a million transitions kept the garbage
 * collector copying hundreds of megabytes, on the thread that also serves the dashboard. A typed
 * array is one off-heap block the collector never walks, and it is copied to the writer thread in
 * one piece.
 */

/** Column types as PostgreSQL's unnest() names them; `bigint` columns hold integers or null. */
export type ColumnType = 'bigint' | 'text';
export type Cell = number | string | null;

/** What crosses to a writer: plain data, cloneable by postMessage. */
export interface RowData {
  rows: number;
  /** Integer columns, row-major; NaN is null. */
  nums: Float64Array;
  /** Text columns, row-major. */
  texts: Array<string | null>;
  /** Per column: its index among the integer columns, or -1 - its index among the text columns. */
  slots: readonly number[];
  numWidth: number;
  textWidth: number;
}

/** Per column: its index among the integer columns, or -1 - its index among the text columns. */
export function columnSlots(types: readonly ColumnType[]): number[] {
  let n = 0;
  let t = 0;
  return types.map((type) => (type === 'bigint' ? n++ : -1 - t++));
}

export class RowBuffer {
  rows = 0;
  nums: Float64Array;
  readonly texts: Array<string | null> = [];
  readonly slots: readonly number[];
  readonly numWidth: number;
  readonly textWidth: number;

  constructor(readonly types: readonly ColumnType[]) {
    this.slots = columnSlots(types);
    this.numWidth = types.filter((t) => t === 'bigint').length;
    this.textWidth = types.length - this.numWidth;
    this.nums = new Float64Array(64 * this.numWidth);
  }

  /** Appends one row (one cell per column, in column order); returns its index. */
  add(cells: readonly Cell[]): number {
    const row = this.rows++;
    const need = this.rows * this.numWidth;
    if (need > this.nums.length) {
      const grown = new Float64Array(Math.max(need, this.nums.length * 2));
      grown.set(this.nums);
      this.nums = grown;
    }
    const { slots } = this;
    const base = row * this.numWidth;
    for (let c = 0; c < slots.length; c++) {
      const s = slots[c] as number;
      const v = cells[c] ?? null;
      if (s >= 0) this.nums[base + s] = toNumberCell(v, c);
      else this.texts.push(toTextCell(v, c));
    }
    return row;
  }

  get(row: number, col: number): Cell {
    return cellOf(this, row, col);
  }

  set(row: number, col: number, v: Cell): void {
    const s = this.slots[col] as number;
    if (s >= 0) this.nums[row * this.numWidth + s] = toNumberCell(v, col);
    else this.texts[row * this.textWidth - 1 - s] = toTextCell(v, col);
  }

  /** Adds `by` to an integer cell (counters that coalesce within a batch). */
  bump(row: number, col: number, by = 1): void {
    const i = row * this.numWidth + (this.slots[col] as number);
    this.nums[i] = (this.nums[i] as number) + by;
  }

  /** A compact copy for the writer (only the rows used), or null when there are none. */
  data(): RowData | null {
    if (this.rows === 0) return null;
    const { rows, numWidth, textWidth, slots } = this;
    return { rows, nums: this.nums.slice(0, rows * numWidth), texts: this.texts, slots, numWidth, textWidth };
  }
}

function toNumberCell(v: Cell, col: number): number {
  if (v === null) return Number.NaN;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`column ${col} holds integers, got ${String(v)}`);
  return v;
}

function toTextCell(v: Cell, col: number): string | null {
  if (v !== null && typeof v !== 'string') throw new TypeError(`column ${col} holds text, got ${String(v)}`);
  return v;
}

/** The cell of `row`, `col` in data that crossed to a writer (NaN integers are null). */
export function cellOf(d: Omit<RowData, 'rows'>, row: number, col: number): Cell {
  const s = d.slots[col] as number;
  if (s >= 0) {
    const v = d.nums[row * d.numWidth + s] as number;
    return Number.isNaN(v) ? null : v;
  }
  return d.texts[row * d.textWidth - 1 - s] ?? null;
}
