// Decode + validate throughput of @derrick/environ next to V8's
// WebAssembly.validate, on the same bytes, in the same process.
//
//   node tools/bench/decode.mjs [FILE.wasm] [--seconds N]
//
// Default input: the QuickJS build shipped by @jitl/quickjs-wasmfile-release-sync
// (a large real-world module). Needs `pnpm build` first (uses dist/).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { decodeModule } from '../../packages/environ/dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const secondsArg = args.indexOf('--seconds');
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : 3;
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seconds');

function defaultModule() {
  const require = createRequire(path.join(root, 'package.json'));
  const pkg = path.dirname(require.resolve('@jitl/quickjs-wasmfile-release-sync/package.json'));
  return path.join(pkg, 'dist', 'emscripten-module.wasm');
}

const file = positional[0] ?? defaultModule();
const bytes = new Uint8Array(fs.readFileSync(file));

function measure(fn) {
  for (let i = 0; i < 3; i++) fn(); // warm up
  const times = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || times.length < 5) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], best: times[0], runs: times.length };
}

const mb = bytes.length / 1e6;
const derrick = measure(() => decodeModule(bytes));
const v8 = measure(() => {
  if (!WebAssembly.validate(bytes)) throw new Error('V8 says invalid');
});
const t = decodeModule(bytes);
const result = {
  benchmark: 'decode+validate',
  module: path.relative(root, file),
  bytes: bytes.length,
  functions: t.numDefinedFuncs ?? undefined,
  derrick: { medianMs: +derrick.median.toFixed(2), mbPerSec: +(mb / (derrick.median / 1000)).toFixed(1), runs: derrick.runs },
  v8: { medianMs: +v8.median.toFixed(2), mbPerSec: +(mb / (v8.median / 1000)).toFixed(1), runs: v8.runs },
};
result.ratioToV8 = +(derrick.median / v8.median).toFixed(2);
console.log(JSON.stringify(result, null, 2));
