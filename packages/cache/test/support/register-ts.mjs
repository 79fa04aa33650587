// Lets a plain `node` child process run this package's TypeScript sources:
// `node --import ./test/support/register-ts.mjs child.ts`. Used by the
// multi-process tests, which need real separate processes (not vitest
// workers) writing one cache directory.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
