/**
 * Every function of every valid module of the spec testsuite translates,
 * verifies, and survives print → parse → print unchanged.
 *
 * Modules that use SIMD are counted apart: their non-SIMD functions are
 * still translated and verified, the SIMD ones must fail with the typed
 * "SIMD is not supported" error (never a crash).
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFunction, printFunction, verifyFunction } from '@derrick/codegen-ir';
import { FuncTranslator, SIMD_UNSUPPORTED, TranslateError, vmOffsetsForModule } from '../src/index.js';
import { specModules, specWastFiles } from './support/spec-modules.js';

const totals = {
  files: 0,
  modules: 0,
  functions: 0,
  verified: 0,
  roundTripped: 0,
  simdModules: 0,
  simdModuleFunctions: 0,
  simdFunctionsRejected: 0,
  failures: 0,
  moduleProblems: 0,
};

const files = specWastFiles();

describe('spec testsuite: translate + verify + print/parse', () => {
  it('finds the testsuite', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  for (const file of files) {
    it(path.basename(file), async () => {
      const { modules, problems } = await specModules(file);
      totals.files++;
      totals.moduleProblems += problems.length;
      const failures: string[] = problems.map((p) => `${p.where}: module not usable: ${p.message}`);
      const translator = new FuncTranslator();
      for (const m of modules) {
        const t = m.translation;
        const offsets = vmOffsetsForModule(t);
        let simd = false;
        let verified = 0;
        let roundTripped = 0;
        let rejected = 0;
        for (let i = 0; i < t.numDefinedFuncs; i++) {
          const where = `${m.where} func ${t.numImportedFuncs + i}`;
          let func;
          try {
            func = translator.translate(t, i, offsets);
          } catch (e) {
            if (e instanceof TranslateError && e.kind === 'unsupported' && e.reason === SIMD_UNSUPPORTED) {
              simd = true;
              rejected++;
              continue;
            }
            failures.push(`${where}: ${e instanceof Error ? e.stack : String(e)}`);
            continue;
          }
          const errors = verifyFunction(func);
          if (errors.length > 0) {
            failures.push(`${where}: does not verify:\n${errors.map((x) => '  ' + x.text).join('\n')}\n${printFunction(func)}`);
            continue;
          }
          verified++;
          const text = printFunction(func);
          let again: string;
          try {
            again = printFunction(parseFunction(text));
          } catch (e) {
            failures.push(`${where}: does not parse back: ${e instanceof Error ? e.message : String(e)}\n${text}`);
            continue;
          }
          if (again !== text) {
            failures.push(`${where}: print → parse → print differs`);
            continue;
          }
          roundTripped++;
        }
        if (simd || t.types.some((ty) => ty.params.includes(0x7b) || ty.results.includes(0x7b))) {
          totals.simdModules++;
          totals.simdModuleFunctions += t.numDefinedFuncs;
          totals.simdFunctionsRejected += rejected;
        } else {
          totals.modules++;
          totals.functions += t.numDefinedFuncs;
          totals.verified += verified;
          totals.roundTripped += roundTripped;
        }
      }
      totals.failures += failures.length;
      expect(failures.slice(0, 5)).toEqual([]);
    });
  }
});

afterAll(() => {
  console.log(`spec translation totals: ${JSON.stringify(totals)}`);
});
