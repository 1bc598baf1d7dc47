// `financelake bench all` runs each benchmark in a child process and gathers their headline
// figures into one table. The smoke sizes of --quick make this a check that the plumbing works
// (every chosen benchmark reports, the Markdown file matches, bad names fail), never a timing test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { expectFailure, mkTmp, rmTmp, runFlOk } from './lib.mjs';

let dir;
before(() => {
  dir = mkTmp('fl-bench-all-');
});
after(() => rmTmp(dir));

/** The rows of a Markdown table, as arrays of trimmed cells (header and rule excluded). */
function tableRows(text) {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  assert.ok(lines.length >= 2, `a table in:\n${text}`);
  assert.deepEqual(lines[0].split('|').slice(1, -1).map((c) => c.trim()), ['bench', 'figure', 'ours', 'peer', 'ratio', 'target', 'met?']);
  return lines.slice(2).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
}

test('bench all --quick: one row per headline figure, peers measured, same table in Markdown', { timeout: 300_000 }, () => {
  const md = path.join(dir, 'bench.md');
  const r = runFlOk(['bench', 'all', '--quick', '--only', 'parquet,fraud', '--markdown', md], { timeoutMs: 280_000 });
  const rows = tableRows(r.stdout.slice(r.stdout.lastIndexOf('bench all')));
  assert.deepEqual(
    rows.map((c) => `${c[0]}/${c[1]}`),
    ['parquet/write rows/s', 'parquet/read rows/s', 'parquet/file bytes', 'fraud/scoring rows/s (1 core)'],
  );
  for (const c of rows) {
    assert.match(c[2], /^[0-9.]+[kM]?$/, `ours is a figure: ${c}`);
    assert.match(c[3], /^(duckdb|python3-xgboost) [0-9.]+[kM]?$/, `the peer measured in the same run: ${c}`);
    assert.match(c[4], /^[0-9.]+x$/, `ratio: ${c}`);
    // The verdict agrees with the figures it summarises.
    const ratio = Number(c[4].slice(0, -1));
    const ours = c[2].endsWith('k') ? Number(c[2].slice(0, -1)) * 1e3 : Number(c[2].replace(/M$/, '')) * (c[2].endsWith('M') ? 1e6 : 1);
    // [value, threshold, half the printed precision]: the binary decides on unrounded figures,
    // so a printed value within rounding of the threshold may go either way.
    const [value, threshold, half, higher] = {
      '>= 1.5x': [ratio, 1.5, 0.005, true], '>= 1.0x': [ratio, 1.0, 0.005, true], '<= 1.1x': [ratio, 1.1, 0.005, false],
      '>= 500k rows/s': [ours, 500_000, c[2].endsWith('M') ? 5_000 : 500, true],
    }[c[5]] ?? [];
    assert.notEqual(value, undefined, `known target: ${c[5]}`);
    if (Math.abs(value - threshold) > half) {
      const want = higher ? value >= threshold : value <= threshold;
      assert.equal(c[6], want ? 'met' : 'NOT met', `verdict for ${c}`);
    } else {
      assert.match(c[6], /^(met|NOT met)$/, `verdict for ${c}`);
    }
  }
  const m = /targets met: (\d+) of (\d+)/.exec(r.stdout);
  assert.ok(m, 'a summary line');
  assert.equal(Number(m[2]), 4);
  assert.equal(Number(m[1]), rows.filter((c) => c[6] === 'met').length);
  const written = fs.readFileSync(md, 'utf8');
  assert.match(written, /^bench all --quick .*cores/);
  assert.deepEqual(tableRows(written), rows);
});

test('bench all: an unknown benchmark name fails with one line naming it', () => {
  expectFailure(['bench', 'all', '--only', 'parquet,warp'], "no benchmark 'warp'");
  expectFailure(['bench', 'all', '--skip', 'nope'], "no benchmark 'nope'");
});
