/**
 * @derrick/codegen-ir — public API.
 *
 * Not implemented yet: this package exists so the workspace layering is in
 * place. It exports nothing until its issue lands.
 */
export {};
