// V8's eager compile of one module, in its own process (run with V8 flags):
//   node --no-liftoff --no-wasm-lazy-compilation --single-threaded v8-compile.cjs FILE.wasm
const fs = require('fs');
const bytes = fs.readFileSync(process.argv[2]);
const t0 = process.hrtime.bigint();
new WebAssembly.Module(bytes);
const t1 = process.hrtime.bigint();
console.log(JSON.stringify({ compile_ms: +(Number(t1 - t0) / 1e6).toFixed(1), peak_rss_mb: +(process.memoryUsage().rss / 2 ** 20).toFixed(1) }));
