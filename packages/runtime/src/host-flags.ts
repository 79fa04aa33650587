/**
 * Host CPU feature inference: what Wasmtime's `infer_native_flags` does when
 * an engine compiles for the machine it runs on.
 *
 * Problem. A compiler builder starts from the baseline of its target
 * (x86-64 = SSE2): code that runs on every CPU of the architecture, and is
 * slower than it needs to be on this one (`popcnt`, `lzcnt`, `tzcnt`,
 * `roundss`, `vfmadd` all have longer fallbacks). When the engine compiles
 * for the host, the host's features are known — jit's `hostX64Features()`
 * reads them by executing `cpuid`/`xgetbv` — so the compiler may use them.
 *
 * Approach (Wasmtime's `Config::build_compiler`): when the `CompilerConfig`
 * names no target, the builder is for the host, and before the user's own
 * settings are applied each detected feature the builder knows is turned on
 * with `builder.set(name, 'true')`. The user's settings come after, so
 * `set('has_avx2', 'false')` still turns a detected feature off. An explicit
 * target — even one naming the host's architecture — gets no inferred
 * features: `--target x86_64` means "portable x86-64", and an artifact built
 * with it runs on any x86-64 CPU (Wasmtime passes `None` to its builder only
 * for an unspecified target).
 *
 * The names are the x86-64 ISA flags of `codegen-x64` (`has_sse3` …
 * `has_fma`); a builder that does not know one (another backend, a test
 * builder) rejects it as unknown, and only that rejection is ignored: a
 * builder is taken to know a name exactly when its `settings()` lists it, so
 * a listed flag that refuses `'true'` is still an error.
 *
 * Invariant (inference-first): inferred flags reach the builder before any
 * user setting, so the user's intent always wins; the inferred set depends
 * only on the host, so two engines built from equal configs on one machine
 * are equal (mission M4).
 */
import { CompileError, type CompilerBuilder } from '@derrick/environ';
import { hostX64Features } from '@derrick/jit';

/**
 * The `native` preset: every CPU feature of this host (Wasmtime's
 * `infer_native_flags`), for an explicit target of the host's architecture.
 * The engine handles it — a code generator cannot see the host — so it works
 * with any `CompilerBuilder`.
 */
export const NATIVE_PRESET = 'native';

/** The ISA flags detected on this host that are on, by name (`has_sse41`, …), sorted; empty off x86-64. */
export function detectedHostIsaFlags(): string[] {
  const features = hostX64Features();
  if (features === undefined) return [];
  return Object.entries(features)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .sort();
}

function arch(triple: string): string {
  return triple.split('-')[0]!;
}

/**
 * Turns on, in `builder`, every host feature it knows (see the module
 * comment) and returns their names, sorted. Does nothing (and returns `[]`)
 * when the builder's target is not this host's architecture. Throws what the
 * builder throws for a flag it lists but refuses.
 */
export function inferHostIsaFlags(builder: CompilerBuilder): string[] {
  const hostArch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  if (arch(builder.triple()) !== hostArch) return [];
  const detected = detectedHostIsaFlags();
  if (detected.length === 0) return [];
  let known: Set<string> | undefined;
  const applied: string[] = [];
  for (const name of detected) {
    try {
      builder.set(name, 'true');
      applied.push(name);
    } catch (e) {
      known ??= new Set(builder.settings().map((s) => s.name));
      // Only "I have no such setting" is ignored; anything else is the builder's verdict.
      if (e instanceof CompileError && e.kind === 'setting' && !known.has(name)) continue;
      throw e;
    }
  }
  return applied;
}
