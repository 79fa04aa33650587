/**
 * The key under which every public handle (`Store`, `Func`, `Memory`,
 * `Table`, `Global`, `Instance`) keeps its runtime-internal state. It is not
 * exported from the package: embedders see the methods, the runtime's own
 * files see the state.
 */
export const INNER: unique symbol = Symbol('derrick.runtime.inner');
