/**
 * The runtime contract, in the emulator (AArch64 code under libunicorn): the
 * shared trampoline suite of `@derrick/codegen/test-support` (array-to-wasm
 * and wasm-to-array trampolines, host calls, traps unwinding, re-entrancy,
 * the trap record, non-colocated calls, the prologue stack check).
 */
import { defaultSharedFlags } from '@derrick/codegen';
import { defineTrampolineSuite } from '@derrick/codegen/test-support';
import { type AArch64Isa, aarch64IsaBuilder } from '../src/index.js';
import { emulatedTrampolineExecutor } from './emulator-harness.js';

defineTrampolineSuite(emulatedTrampolineExecutor(aarch64IsaBuilder(undefined, { validateRegalloc: true }).finish(defaultSharedFlags()) as AArch64Isa));
