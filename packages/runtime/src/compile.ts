/**
 * Compiling a module: bytes → a verified image, through the engine's
 * `Compiler` (the only code-generation API the runtime knows — mission M1).
 *
 * The pipeline, in the order Wasmtime's `compile.rs` runs it:
 *
 * 1. decode and validate (`decodeModule`); check the module against the
 *    engine's feature set (SIMD may be disabled);
 * 2. compile every defined function: with `parallelCompilation` on, through
 *    the compiler's `compileFunctions` when it has one (the default compiler
 *    spreads large modules over worker threads), else all `compileFunction`
 *    calls at once; with it off, one after the other;
 * 3. compile the trampolines: an array-to-wasm entry for the signature of
 *    every defined function (the host calls them), and a wasm-to-array exit
 *    for every signature the module declares (imports of host functions call
 *    through them; so may `call_indirect` to a host function of that type,
 *    which is why *every* declared signature gets one) — once per distinct
 *    signature;
 * 4. lay the bodies out into one text section (`buildText`), which resolves
 *    the calls between them: an image with relocations left over is refused
 *    — unless the compiler's flags have `linkopt_absolute_calls_baseline`
 *    (a benchmark baseline) and every relocation is one of its `Abs8` calls;
 * 5. wrap text and metadata into an ELF image (`buildImage`), the bytes
 *    `Module.serialize()` returns.
 *
 * Invariant (opaque-bodies, from `environ/src/compile.ts`): the runtime hands
 * bodies back to the compiler that made them and never looks inside.
 */
import {
  type CompiledBody,
  CompileError,
  type FuncKey,
  type ModuleTranslation,
  OperatorReader,
  ValType,
} from '@derrick/environ';
import type { Engine } from './engine.js';
import { typeRepresentatives } from './compiled-module.js';
import { ABSOLUTE_CALLS_BASELINE_FLAG } from './compatibility.js';
import { buildImage } from './module-image.js';

/** Compile a decoded module into an image. Throws `CompileError` (including `no-compiler`). */
export async function compileToImage(engine: Engine, translation: ModuleTranslation): Promise<Uint8Array> {
  const compiler = engine.compiler();
  checkFeatures(engine, translation);

  // 2. Functions.
  const n = translation.numDefinedFuncs;
  const bodies = new Array<CompiledBody>(n);
  if (engine.parallelCompilation && compiler.compileFunctions !== undefined) {
    const all = await compiler.compileFunctions(translation, Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < n; i++) bodies[i] = all[i]!;
  } else if (engine.parallelCompilation) {
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        bodies[i] = await compiler.compileFunction(translation, i);
      }),
    );
  } else {
    for (let i = 0; i < n; i++) bodies[i] = await compiler.compileFunction(translation, i);
  }

  // 3. Trampolines, one per distinct signature.
  const rep = typeRepresentatives(translation);
  const needsEntry = new Set<number>();
  for (let f = translation.numImportedFuncs; f < translation.numFuncs; f++) needsEntry.add(rep[translation.functions[f]!]!);
  const keys: FuncKey[] = [];
  for (let t = 0; t < translation.types.length; t++) {
    if (rep[t] !== t) continue;
    if (needsEntry.has(t)) keys.push({ kind: 'array-to-wasm', typeIndex: t });
    keys.push({ kind: 'wasm-to-array', typeIndex: t });
  }
  const trampolines = keys.map((key) => compiler.compileTrampoline(translation, key, translation.types[(key as { typeIndex: number }).typeIndex]!));

  // 4. Text.
  const text = compiler.buildText(translation, [...bodies, ...trampolines]);
  const absoluteCalls = compiler.flags()[ABSOLUTE_CALLS_BASELINE_FLAG] === 'true';
  const unexpected = absoluteCalls ? text.relocations.filter((r) => r.kind !== 'Abs8') : text.relocations;
  if (unexpected.length > 0) {
    const r = unexpected[0]!;
    throw new CompileError(
      'codegen',
      `the compiler left ${unexpected.length} relocation(s) in the text (first: ${r.kind} to ${r.target} at offset 0x${r.offset.toString(16)}); ` +
        'the runtime loads only fully resolved text',
    );
  }

  // 5. Image.
  return buildImage(engine.engineInfo(), compiler.machine(), translation, text);
}

/** Reject a module that uses a feature the engine disabled (today: SIMD). */
function checkFeatures(engine: Engine, t: ModuleTranslation): void {
  if (engine.wasmFeatures.includes('simd')) return;
  const reject = (where: string): never => {
    throw new CompileError('unsupported', `SIMD support is disabled (Config.wasmSimd(false)), but the module uses v128 ${where}`);
  };
  t.types.forEach((ty, i) => {
    if ([...ty.params, ...ty.results].includes(ValType.V128)) reject(`in type ${i}`);
  });
  t.globals.forEach((g, i) => {
    if (g.valType === ValType.V128) reject(`in global ${i}`);
  });
  for (const body of t.functionBodies) {
    if (body.locals.some((l) => l.type === ValType.V128)) reject(`in the locals of function ${body.funcIndex}`);
    const reader = new OperatorReader(t.bytes, body.codeStart, body.codeEnd);
    while (!reader.atEnd) {
      const op = reader.read();
      if (op >= 0xfd00 && op <= 0xfdff) reject(`instructions (function ${body.funcIndex}, offset 0x${reader.offset.toString(16)})`);
    }
  }
}
