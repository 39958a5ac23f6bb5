import { describe, expect, it } from 'vitest';
import { cellOf, columnSlots, RowBuffer } from './row-buffer';

describe('RowBuffer', () => {
  it('keeps integers (null included) and text per column, in row order, through growth', () => {
    const b = new RowBuffer(['bigint', 'text', 'bigint', 'text']);
    const n = 1_000; // past the initial capacity several times
    for (let i = 0; i < n; i++) {
      expect(b.add([i * 2 ** 40 + 7, `t${i}`, i % 3 === 0 ? null : -i, i % 5 === 0 ? null : ''])).toBe(i);
    }
    expect(b.rows).toBe(n);
    const d = b.data();
    expect(d?.rows).toBe(n);
    expect(d?.nums.length).toBe(2 * n);
    for (const i of [0, 1, 63, 64, 65, 500, n - 1]) {
      const expected = [i * 2 ** 40 + 7, `t${i}`, i % 3 === 0 ? null : -i, i % 5 === 0 ? null : ''];
      expect([0, 1, 2, 3].map((c) => b.get(i, c))).toEqual(expected);
      if (d) expect([0, 1, 2, 3].map((c) => cellOf(d, i, c))).toEqual(expected);
    }
  });

  it('edits and counts in place, and hands out a copy that later edits do not change', () => {
    const b = new RowBuffer(['text', 'bigint', 'bigint']);
    const r = b.add(['x', 0, null]);
    b.bump(r, 1);
    b.bump(r, 1, 4);
    b.set(r, 2, 9);
    b.set(r, 0, null);
    const d = b.data();
    b.set(r, 2, 10);
    expect([0, 1, 2].map((c) => (d ? cellOf(d, r, c) : undefined))).toEqual([null, 5, 9]);
    expect(b.get(r, 2)).toBe(10);
  });

  it('refuses a non-integer in an integer column without writing half a row; text takes any value', () => {
    const b = new RowBuffer(['text', 'bigint', 'text', 'bigint']);
    b.add(['first', 1, 'x', 2]);
    for (const bad of ['1', Number.NaN, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => b.add(['second', 3, 'y', bad])).toThrow(/column 3 holds integers/);
    }
    expect(b.rows).toBe(1);
    expect(b.add([7, 4, null, 5])).toBe(1);
    expect([0, 1, 2, 3].map((c) => b.get(1, c))).toEqual(['7', 4, null, 5]);
    expect(b.data()?.strings).toEqual(['first', 'x', '7']);
  });

  it('has no data when empty', () => {
    expect(new RowBuffer(['bigint']).data()).toBeNull();
    expect(columnSlots(['text', 'bigint', 'text', 'bigint'])).toEqual([-1, 0, -2, 1]);
  });
});

describe('columnLiterals (PostgreSQL unnest arrays from a RowBuffer)', () => {
  it('quotes text once per distinct string, escapes quotes and backslashes, writes NULLs', async () => {
    const { columnLiterals } = await import('./postgres-backend');
    const b = new RowBuffer(['bigint', 'text', 'text']);
    b.add([1, 'a "quoted" \\ value', 'x,y']);
    b.add([null, null, '{brace}']);
    b.add([2 ** 52, 'a "quoted" \\ value', 'x,y']);
    const d = b.data();
    if (!d) throw new Error('no data');
    expect(d.strings).toHaveLength(3);
    expect(columnLiterals(d)).toEqual([
      `{1,NULL,${2 ** 52}}`,
      '{"a \\"quoted\\" \\\\ value",NULL,"a \\"quoted\\" \\\\ value"}',
      '{"x,y","{brace}","x,y"}',
    ]);
  });
});
