/**
 * The runtime contract, natively: the shared trampoline suite of
 * `@derrick/codegen/test-support` (array-to-wasm and wasm-to-array
 * trampolines, host calls, traps unwinding, re-entrancy, the trap record,
 * non-colocated calls, the prologue stack check) run on x64 code through koffi.
 */
import { defaultSharedFlags } from '@derrick/codegen';
import { defineTrampolineSuite } from '@derrick/codegen/test-support';
import { type X64Isa, x64IsaBuilder } from '../src/index.js';
import { nativeTrampolineExecutor } from './native-harness.js';

defineTrampolineSuite(nativeTrampolineExecutor(x64IsaBuilder(undefined, { validateRegalloc: true }).finish(defaultSharedFlags()) as X64Isa));
