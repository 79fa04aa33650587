// Parallel compilation on worker threads (compiler/src/parallel/): QuickJS
// compiled by one DerrickCompiler three times in one process (the first is
// cold, the rest warm), with 1 thread (the calling one) and with N threads
// (the calling one + N-1 workers), each configuration in its own fresh
// process, alternating, median of --runs. This is the measurement behind
// DEFAULT_PARALLEL (no workers below 4 cores); run it on a bigger machine to
// revisit that.
//
//   node tools/bench/parallel.mjs [--threads N] [--runs R]
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const threads = opt('--threads', Math.max(2, Math.min(os.availableParallelism(), 8)));
const runs = opt('--runs', 3);

if (process.env.DERRICK_PARALLEL_CHILD) {
  const { DerrickCompilerBuilder } = await import(path.join(root, 'packages/compiler/dist/index.js'));
  const { decodeModule } = await import(path.join(root, 'packages/environ/dist/index.js'));
  const fs = await import('node:fs');
  const bytes = new Uint8Array(fs.readFileSync(process.env.DERRICK_PARALLEL_FILE));
  const b = new DerrickCompilerBuilder();
  b.set('opt_level', 'speed');
  const c = b.build();
  const n = Number(process.env.DERRICK_PARALLEL_CHILD);
  c.parallel = { ...c.parallel, minFunctions: 1, minCodeBytes: 0, maxThreads: n, callerWorks: true };
  const times = [];
  for (let i = 0; i < 3; i++) {
    const t = decodeModule(bytes);
    const all = Array.from({ length: t.numDefinedFuncs }, (_, k) => k);
    const t0 = performance.now();
    await c.compileFunctions(t, all);
    times.push(+(performance.now() - t0).toFixed(1));
  }
  await c.close();
  console.log(JSON.stringify({ threads: n, workers: c.statistics().workers ?? 0, times_ms: times }));
  process.exit(0);
}

const require = createRequire(path.join(root, 'package.json'));
const file = path.join(path.dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json')), 'dist', 'emscripten-module.wasm');
const child = (n) =>
  JSON.parse(
    execFileSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, DERRICK_PARALLEL_CHILD: String(n), DERRICK_PARALLEL_FILE: file },
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1),
  );
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const one = [];
const many = [];
for (let r = 0; r < runs; r++) {
  one.push(child(1));
  many.push(child(threads));
}
const summary = (rs) => ({ cold_ms: median(rs.map((x) => x.times_ms[0])), warm_ms: median(rs.flatMap((x) => x.times_ms.slice(1))), workers: rs[0].workers });
const s1 = summary(one);
const sn = summary(many);
console.log(
  JSON.stringify(
    {
      benchmark: 'parallel',
      command: `node tools/bench/parallel.mjs --threads ${threads} --runs ${runs}`,
      cores: os.availableParallelism(),
      module: path.basename(file),
      one_thread: s1,
      [`${threads}_threads`]: sn,
      speedup_cold: +(s1.cold_ms / sn.cold_ms).toFixed(2),
      speedup_warm: +(s1.warm_ms / sn.warm_ms).toFixed(2),
    },
    null,
    2,
  ),
);
