/**
 * Names of functions: the function's own name and the names of callees.
 *
 * Mission M5 splits names so that the stencil (the cache key) never holds a
 * number that changes when a module's functions are renumbered:
 *
 * * `UserExternalName {namespace, index}` is the embedder's name for a
 *   function (`u0:3`: namespace 0, index 3). Opaque to the IR.
 * * `UserExternalNameRef` is a small index into the function's
 *   `FunctionParameters` name table. Only refs live in the stencil
 *   (inside `ExternalName.user`), so renumbering callees changes only the
 *   parameters.
 * * `ExternalName` is what a call/func_addr refers to: a user name by ref, a
 *   `LibCall`, or a test-case name (`%foo`, used by `.clif` files).
 * * `UserFuncName` is the function's own name — user or test case — and is
 *   kept outside the stencil entirely.
 */

/** The embedder's name for a function: printed `u<namespace>:<index>`. */
export interface UserExternalName {
  readonly namespace: number;
  readonly index: number;
}

export function userExternalName(namespace: number, index: number): UserExternalName {
  return { namespace: namespace >>> 0, index: index >>> 0 };
}

export function formatUserExternalName(n: UserExternalName): string {
  return `u${n.namespace}:${n.index}`;
}

/** Index into `FunctionParameters.userNamedFuncs` (printed only through the table). */
export type UserExternalNameRef = number;

/**
 * Runtime helpers the code generator may call instead of inlining an
 * operation (Cranelift's `LibCall`). Text: `%CeilF32`, …
 */
export enum LibCall {
  CeilF32 = 0,
  CeilF64 = 1,
  FloorF32 = 2,
  FloorF64 = 3,
  TruncF32 = 4,
  TruncF64 = 5,
  NearestF32 = 6,
  NearestF64 = 7,
  Probestack = 8,
  Memcpy = 9,
  Memset = 10,
  Memmove = 11,
  Memcmp = 12,
}

const LIBCALL_NAMES = [
  'CeilF32',
  'CeilF64',
  'FloorF32',
  'FloorF64',
  'TruncF32',
  'TruncF64',
  'NearestF32',
  'NearestF64',
  'Probestack',
  'Memcpy',
  'Memset',
  'Memmove',
  'Memcmp',
] as const;

export function libCallName(lc: LibCall): string {
  return LIBCALL_NAMES[lc] ?? `LibCall${lc as number}`;
}

export function parseLibCall(s: string): LibCall | undefined {
  const i = (LIBCALL_NAMES as readonly string[]).indexOf(s);
  return i < 0 ? undefined : (i as LibCall);
}

/** A callee's name as stored in the stencil. */
export type ExternalName =
  | { readonly kind: 'user'; readonly ref: UserExternalNameRef }
  | { readonly kind: 'libcall'; readonly libcall: LibCall }
  | { readonly kind: 'testcase'; readonly name: string };

export const ExternalName = {
  user(ref: UserExternalNameRef): ExternalName {
    return { kind: 'user', ref };
  },
  libcall(libcall: LibCall): ExternalName {
    return { kind: 'libcall', libcall };
  },
  testcase(name: string): ExternalName {
    return { kind: 'testcase', name };
  },
  equals(a: ExternalName, b: ExternalName): boolean {
    switch (a.kind) {
      case 'user':
        return b.kind === 'user' && a.ref === b.ref;
      case 'libcall':
        return b.kind === 'libcall' && a.libcall === b.libcall;
      case 'testcase':
        return b.kind === 'testcase' && a.name === b.name;
    }
  },
} as const;

/** A function's own name; lives in `Function.name`, outside the stencil. */
export type UserFuncName =
  | { readonly kind: 'user'; readonly name: UserExternalName }
  | { readonly kind: 'testcase'; readonly name: string };

export const UserFuncName = {
  user(namespace: number, index: number): UserFuncName {
    return { kind: 'user', name: userExternalName(namespace, index) };
  },
  testcase(name: string): UserFuncName {
    return { kind: 'testcase', name };
  },
  /** `u0:0`, Cranelift's default function name. */
  default(): UserFuncName {
    return UserFuncName.user(0, 0);
  },
  toString(n: UserFuncName): string {
    return n.kind === 'user' ? formatUserExternalName(n.name) : `%${n.name}`;
  },
  equals(a: UserFuncName, b: UserFuncName): boolean {
    if (a.kind === 'user') {
      return b.kind === 'user' && a.name.namespace === b.name.namespace && a.name.index === b.name.index;
    }
    return b.kind === 'testcase' && a.name === b.name;
  },
} as const;

/** Characters allowed in a `%name` (test case / function) identifier. */
export const TESTCASE_NAME_RE = /^[A-Za-z0-9_.$]+$/;
