// `pnpm bench`: every benchmark of the repository, one after another, each
// printing a JSON object with the figures and the ratio against its reference.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = ['decode.mjs', 'translate.mjs', 'compile.mjs', 'parallel.mjs', 'kernels.mjs', 'calls.mjs', 'cache.mjs', 'related.mjs'];
let failed = false;
for (const b of benches) {
  console.error(`# ${b}`);
  const r = spawnSync(process.execPath, [path.join(here, b), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
