/**
 * The shared runtime suites against the real compiler (`@derrick/compiler`).
 *
 * AWAITS THE COMPILER. `runtime` must not depend on `compiler` (layering), so
 * this test reaches it by path, test-only, and runs only once the compiler
 * package exports a `CompilerBuilder` factory named `compilerBuilder`
 * (`() => CompilerBuilder`). Until then the suites are skipped, visibly.
 * When the compiler lands, the lead replaces the skip branch with a failure
 * (a missing compiler must then fail, not skip).
 */
import { describe, expect, it } from 'vitest';
import type { CompilerBuilder } from '../src/index.js';
import type { Backend } from './helpers.js';
import { callsSuite } from './suites/calls.js';
import { instantiateSuite } from './suites/instantiate.js';
import { serializeSuite } from './suites/serialize.js';

async function loadCompiler(): Promise<Backend | undefined> {
  try {
    const compiler = (await import('../../compiler/src/index.js')) as Record<string, unknown>;
    const factory = compiler['compilerBuilder'];
    return typeof factory === 'function' ? { name: '@derrick/compiler', factory: factory as () => CompilerBuilder } : undefined;
  } catch {
    return undefined;
  }
}

const REAL = await loadCompiler();

if (REAL === undefined) {
  // Skipped, visibly, until the compiler exports its builder (see the header).
  describe.skip('@derrick/compiler (awaiting its `compilerBuilder` export)', () => {
    it('calls, instantiation and serialization suites', () => {});
  });
} else {
  const real = REAL;
  describe('@derrick/compiler', () => {
    it('builds a compiler for the host', () => {
      expect(real.factory().build().triple()).toMatch(/^(x86_64|aarch64)/);
    });
    describe('calls', () => callsSuite(real));
    describe('instantiation', () => instantiateSuite(real));
    describe('serialization', () => serializeSuite(real));
  });
}
