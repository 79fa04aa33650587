// V8's eager compile of one module, in its own process (run with V8 flags):
//   node --no-liftoff --no-wasm-lazy-compilation --single-threaded v8-compile.cjs FILE.wasm [--repeat N]
//   → JSON {compile_ms, warm_ms?, peak_rss_mb}
// With --repeat N ≥ 2, warm_ms is the fastest of compiles 2..N, each of the
// module with a fresh custom section appended, so V8's module cache never hits.
const fs = require('fs');
const args = process.argv.slice(2);
const repeatAt = args.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(args[repeatAt + 1]) : 1;
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--repeat');
const bytes = fs.readFileSync(file);
const t0 = process.hrtime.bigint();
new WebAssembly.Module(bytes);
const t1 = process.hrtime.bigint();
const peakKiB = process.resourceUsage().maxRSS; // the process's high-water mark so far
const warm = [];
for (let i = 1; i < repeat; i++) {
  // Custom section 0: size, name length, name "warm<i>".
  const name = Buffer.from(`warm${i}`);
  const variant = Buffer.concat([bytes, Buffer.from([0, name.length + 1, name.length]), name]);
  const s = process.hrtime.bigint();
  new WebAssembly.Module(variant);
  warm.push(Number(process.hrtime.bigint() - s) / 1e6);
}
console.log(
  JSON.stringify({
    compile_ms: +(Number(t1 - t0) / 1e6).toFixed(1),
    ...(warm.length > 0 ? { warm_ms: +Math.min(...warm).toFixed(1) } : {}),
    peak_rss_mb: +(peakKiB / 1024).toFixed(1),
  }),
);
