/**
 * The rows of one table while a batch collects them. Integer columns live in a Float64Array and
 * text columns as indices into the batch's distinct strings, both row-major. Why not one flat
 * array of values: times and 53-bit hashes do not fit V8's small integers, so every one of them
 * was a boxed number on the heap that survived until its batch was written — a million
 * transitions kept the garbage collector copying hundreds of megabytes, on the thread that also
 * serves the dashboard. A typed array is one off-heap block the collector never walks, and it is
 * copied to the writer thread in one piece. Strings are kept once per batch: postMessage does not
 * share equal strings, so a manager name or an op repeated a million times was serialised, copied
 * and collected a million times on the writer thread.
 */

/** Column types as PostgreSQL's unnest() names them; `bigint` columns hold integers or null. */
export type ColumnType = 'bigint' | 'text';
export type Cell = number | string | null;

/** What crosses to a writer: plain data, cloneable by postMessage. */
export interface RowData {
  rows: number;
  /** Integer columns, row-major; NaN is null. */
  nums: Float64Array;
  /** Text columns, row-major: an index into `strings`, or -1 for null. */
  texts: Int32Array;
  strings: string[];
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
  texts: Int32Array;
  readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  readonly slots: readonly number[];
  readonly numWidth: number;
  readonly textWidth: number;

  constructor(readonly types: readonly ColumnType[]) {
    this.slots = columnSlots(types);
    this.numWidth = types.filter((t) => t === 'bigint').length;
    this.textWidth = types.length - this.numWidth;
    this.nums = new Float64Array(64 * this.numWidth);
    this.texts = new Int32Array(64 * this.textWidth);
  }

  /**
   * Appends one row (one cell per column, in column order); returns its index. A cell that is not
   * an integer in an integer column throws before anything is written (a half-written row would
   * be committed with zeros in it); text columns take any value as its string, as SQLite would.
   */
  add(cells: readonly Cell[]): number {
    const { slots } = this;
    for (let c = 0; c < slots.length; c++) if ((slots[c] as number) >= 0) toNumberCell(cells[c] ?? null, c);
    const row = this.rows++;
    if (this.rows * this.numWidth > this.nums.length) {
      const grown = new Float64Array(this.nums.length * 2);
      grown.set(this.nums);
      this.nums = grown;
    }
    if (this.rows * this.textWidth > this.texts.length) {
      const grown = new Int32Array(this.texts.length * 2);
      grown.set(this.texts);
      this.texts = grown;
    }
    const base = row * this.numWidth;
    const textBase = row * this.textWidth - 1;
    for (let c = 0; c < slots.length; c++) {
      const s = slots[c] as number;
      const v = cells[c] ?? null;
      if (s >= 0) this.nums[base + s] = toNumberCell(v, c);
      else this.texts[textBase - s] = this.stringId(toTextCell(v));
    }
    return row;
  }

  get(row: number, col: number): Cell {
    return cellOf(this, row, col);
  }

  set(row: number, col: number, v: Cell): void {
    const s = this.slots[col] as number;
    if (s >= 0) this.nums[row * this.numWidth + s] = toNumberCell(v, col);
    else this.texts[row * this.textWidth - 1 - s] = this.stringId(toTextCell(v));
  }

  private stringId(v: string | null): number {
    if (v === null) return -1;
    let id = this.stringIds.get(v);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(v);
      this.stringIds.set(v, id);
    }
    return id;
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
    return {
      rows,
      nums: this.nums.slice(0, rows * numWidth),
      texts: this.texts.slice(0, rows * textWidth),
      strings: this.strings,
      slots,
      numWidth,
      textWidth,
    };
  }
}

function toNumberCell(v: Cell, col: number): number {
  if (v === null) return Number.NaN;
  // PostgreSQL's bigint cast would refuse a fraction and fail the whole batch, again at each retry.
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`column ${col} holds integers, got ${String(v)}`);
  return v;
}

function toTextCell(v: Cell): string | null {
  const s = v === null || typeof v === 'string' ? v : String(v);
  // PostgreSQL text cannot hold U+0000 (a container's termination message may) and refuses the
  // whole batch, again at each retry; both backends store the replacement character instead.
  return s !== null && s.includes('\u0000') ? s.replaceAll('\u0000', '\ufffd') : s;
}

/** The cell of `row`, `col` in data that crossed to a writer (NaN integers are null). */
export function cellOf(d: Omit<RowData, 'rows'>, row: number, col: number): Cell {
  const s = d.slots[col] as number;
  if (s >= 0) {
    const v = d.nums[row * d.numWidth + s] as number;
    return Number.isNaN(v) ? null : v;
  }
  const id = d.texts[row * d.textWidth - 1 - s] as number;
  return id < 0 ? null : (d.strings[id] as string);
}
