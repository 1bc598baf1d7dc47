// Self-test of the harness, needing no FinanceLake binary: the canonical converters in lib.mjs,
// and the two independent readers agreeing with each other (hyparquet reading DuckDB-written files
// must give exactly DuckDB's own rows). If this fails, fix lib.mjs before trusting other tests.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeDuck,
  duckdbRows,
  hyparquetRows,
  assertRowsEqual,
  mkTmp,
  rmTmp,
  parseJsonBig,
  parseJsonl,
  formatDate,
  formatMicros,
  formatNanos,
  formatDecimal,
  canonicalFloat,
  bigIntFromTwosComplement,
  canonicalJsonRows,
  ApproxDecimal,
} from './lib.mjs';
import { CASES, writeCase, checkCaseFacts } from './duckdb_cases.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-canonical-');
});
after(() => {
  closeDuck();
  rmTmp(dir);
});

test('parseJsonBig keeps long integers exact and leaves strings alone', () => {
  const line = String.raw`{"a":-9223372036854775808,"b":"x\"12345678901234567890\" 1234567890123456789","c":0.12345678901234567,"e":[18446744073709551615,1],"f":{"1234567890123456789":12345678901234567},"g":"\\","h":1234567890123456.5,"i":123456789012345}`;
  const v = parseJsonBig(line);
  assert.equal(v.a, -9223372036854775808n);
  assert.equal(v.b, 'x"12345678901234567890" 1234567890123456789');
  assert.equal(v.c, 0.12345678901234567);
  assert.deepEqual(v.e, [18446744073709551615n, 1]);
  assert.deepEqual(v.f, { '1234567890123456789': 12345678901234567n });
  assert.equal(v.g, '\\');
  assert.equal(v.h, 1234567890123456.5);
  assert.equal(v.i, 123456789012345); // up to 15 digits: still a Number (exact)
  assert.deepEqual(parseJsonl('{"x":1}\n{"x":9007199254740993}\n'), [{ x: 1 }, { x: 9007199254740993n }]);
  assert.throws(() => parseJsonl('{"x":1}\nnot json\n'), /line 2/);
});

test('canonical formatters', () => {
  assert.equal(formatDate(0), '1970-01-01');
  assert.equal(formatDate(-1), '1969-12-31');
  assert.equal(formatDate(-719162), '0001-01-01');
  assert.equal(formatDate(2932896), '9999-12-31');
  assert.equal(formatDate(19782), '2024-02-29');
  assert.equal(formatMicros(0n), '1970-01-01T00:00:00.000000Z');
  assert.equal(formatMicros(-1n), '1969-12-31T23:59:59.999999Z');
  assert.equal(formatMicros(1709210096789012n), '2024-02-29T12:34:56.789012Z');
  assert.equal(formatNanos(-1n), '1969-12-31T23:59:59.999999Z'); // truncated toward -infinity
  assert.equal(formatNanos(1999n), '1970-01-01T00:00:00.000001Z');
  assert.equal(formatDecimal(-12340n, 3), '-12.340');
  assert.equal(formatDecimal(5n, 2), '0.05');
  assert.equal(formatDecimal(-5n, 2), '-0.05');
  assert.equal(formatDecimal(0n, 3), '0.000');
  assert.equal(formatDecimal(42n, 0), '42');
  assert.equal(canonicalFloat(-0), 0);
  assert.ok(Object.is(canonicalFloat(-0), 0));
  assert.equal(canonicalFloat(NaN), 'NaN');
  assert.equal(canonicalFloat(-Infinity), '-Infinity');
  assert.equal(canonicalFloat('Infinity'), 'Infinity');
  assert.equal(canonicalFloat(0.1, true), Math.fround(0.1));
  assert.equal(bigIntFromTwosComplement(Uint8Array.of(0xff, 0xfe)), -2n);
  assert.equal(bigIntFromTwosComplement(Uint8Array.of(0x00, 0x80)), 128n);
});

test('rows comparison reports the first differing cell, and approximates only ApproxDecimal', () => {
  assert.throws(
    () => assertRowsEqual([{ a: 1n, b: 'x' }], [{ a: 1n, b: 'y' }]),
    /row 0 differs in column\(s\) b/,
  );
  assert.throws(() => assertRowsEqual([{ a: 1n }], [{ a: 1 }]), /row 0/); // BigInt vs Number
  assert.throws(() => assertRowsEqual([], [{ a: 1n }]), /row count/);
  assertRowsEqual([{ d: new ApproxDecimal(0.1 + 0.2, 1) }], [{ d: '0.3' }]);
  assert.throws(() => assertRowsEqual([{ d: new ApproxDecimal(0.31, 2) }], [{ d: '0.30' }]));
});

for (const c of CASES) {
  test(`hyparquet reads DuckDB's ${c.name} exactly as DuckDB does`, async () => {
    const file = await writeCase(dir, c);
    assert.deepEqual(await checkCaseFacts(file, c), [], `${c.name}: the file lacks what the case covers`);
    const duck = await duckdbRows(file);
    const hy = await hyparquetRows(file);
    assertRowsEqual(hy, duck, `${c.name}: hyparquet vs DuckDB`);
  });
}

test('JSONL typed by the Parquet schema: FLOAT rounds, ints become BigInt, doubles stay Numbers', async () => {
  const file = await writeCase(dir, {
    name: 'typing',
    sql: `SELECT 0.1::FLOAT AS f, 0.1::DOUBLE AS d, 1::DOUBLE AS d1, 3::TINYINT AS t,
            [0.1::FLOAT] AS fl, MAP {'k': 0.1::FLOAT} AS fm, 12.5::DECIMAL(9,2) AS dec,
            9223372036854775807::BIGINT AS big`,
    opts: 'COMPRESSION snappy',
  });
  // What `financelake parquet cat --format jsonl` prints for that row (shortest round-trip floats).
  const ours = parseJsonl(
    '{"f":0.1,"d":0.1,"d1":1,"t":3,"fl":[0.1],"fm":{"k":0.1},"dec":"12.50","big":9223372036854775807}\n',
  );
  assertRowsEqual(await canonicalJsonRows(ours, file), await duckdbRows(file));
});
