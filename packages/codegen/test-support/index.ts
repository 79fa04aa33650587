/**
 * `@derrick/codegen/test-support`: test code shared by the backends' test
 * suites (codegen-x64, codegen-aarch64), which may not depend on each other
 * but both depend on codegen. Exported under the `source` condition only
 * (tests run against source), outside `src/`: not built, not shipped, not
 * part of codegen's API. It imports nothing but codegen, codegen-ir and
 * vitest; what needs `@derrick/jit` (running code) the backends pass in.
 */
export * from './harness.js';
export * from './trampolines.js';
