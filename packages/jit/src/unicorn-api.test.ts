/**
 * `unicorn-api.ts`'s constants against unicorn's own headers: a C program
 * compiled against `unicorn/unicorn.h` prints each one. Runs when the headers
 * (`libunicorn-dev`, or a directory named by `DERRICK_UNICORN_INCLUDE`) and a
 * C compiler are installed; CI has neither, and then the emulator tests are
 * the check (every wrong register or hook number breaks them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from './unicorn-api.js';

const includeDir = [process.env.DERRICK_UNICORN_INCLUDE, '/usr/include'].find(
  (dir) => dir !== undefined && existsSync(join(dir, 'unicorn', 'unicorn.h')),
);

function haveCompiler(): boolean {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Name in the header → value in `unicorn-api.ts`. */
const EXPECTED: Record<string, number> = {
  UC_ARCH_ARM64: api.UC_ARCH_ARM64,
  UC_MODE_ARM: api.UC_MODE_ARM,
  UC_ARM64_REG_X29: api.UC_ARM64_REG_X29,
  UC_ARM64_REG_X30: api.UC_ARM64_REG_X30,
  UC_ARM64_REG_NZCV: api.UC_ARM64_REG_NZCV,
  UC_ARM64_REG_SP: api.UC_ARM64_REG_SP,
  UC_ARM64_REG_X0: api.UC_ARM64_REG_X0,
  UC_ARM64_REG_PC: api.UC_ARM64_REG_PC,
  UC_CPU_ARM64_A72: api.UC_CPU_ARM64_A72,
  UC_CPU_ARM64_MAX: api.UC_CPU_ARM64_MAX,
  UC_HOOK_MEM_READ_UNMAPPED: api.UC_HOOK_MEM_READ_UNMAPPED,
  UC_HOOK_MEM_WRITE_UNMAPPED: api.UC_HOOK_MEM_WRITE_UNMAPPED,
  UC_HOOK_MEM_FETCH_UNMAPPED: api.UC_HOOK_MEM_FETCH_UNMAPPED,
  UC_HOOK_MEM_READ_PROT: api.UC_HOOK_MEM_READ_PROT,
  UC_HOOK_MEM_WRITE_PROT: api.UC_HOOK_MEM_WRITE_PROT,
  UC_HOOK_MEM_FETCH_PROT: api.UC_HOOK_MEM_FETCH_PROT,
  UC_HOOK_MEM_INVALID: api.UC_HOOK_MEM_INVALID,
  UC_MEM_READ_UNMAPPED: api.UC_MEM_READ_UNMAPPED,
  UC_MEM_WRITE_UNMAPPED: api.UC_MEM_WRITE_UNMAPPED,
  UC_MEM_FETCH_UNMAPPED: api.UC_MEM_FETCH_UNMAPPED,
  UC_MEM_WRITE_PROT: api.UC_MEM_WRITE_PROT,
  UC_MEM_READ_PROT: api.UC_MEM_READ_PROT,
  UC_MEM_FETCH_PROT: api.UC_MEM_FETCH_PROT,
  UC_PROT_NONE: api.UC_PROT_NONE,
  UC_PROT_READ: api.UC_PROT_READ,
  UC_PROT_WRITE: api.UC_PROT_WRITE,
  UC_PROT_EXEC: api.UC_PROT_EXEC,
  UC_ERR_OK: api.UC_ERR_OK,
  UC_ERR_READ_UNMAPPED: api.UC_ERR_READ_UNMAPPED,
  UC_ERR_WRITE_UNMAPPED: api.UC_ERR_WRITE_UNMAPPED,
  UC_ERR_FETCH_UNMAPPED: api.UC_ERR_FETCH_UNMAPPED,
  UC_ERR_INSN_INVALID: api.UC_ERR_INSN_INVALID,
  UC_ERR_WRITE_PROT: api.UC_ERR_WRITE_PROT,
  UC_ERR_READ_PROT: api.UC_ERR_READ_PROT,
  UC_ERR_FETCH_PROT: api.UC_ERR_FETCH_PROT,
  UC_ERR_EXCEPTION: api.UC_ERR_EXCEPTION,
  'UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1)': api.UC_CTL_CPU_MODEL_WRITE,
  'UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2)': api.UC_CTL_TB_REMOVE_CACHE_WRITE,
};

describe('unicorn constants', () => {
  it('X0…X30 map to the header enum (X29 and X30 come first, out of order)', () => {
    expect(api.ucArm64X(0)).toBe(199);
    expect(api.ucArm64X(28)).toBe(227);
    expect(api.ucArm64X(29)).toBe(1);
    expect(api.ucArm64X(30)).toBe(2);
    expect(() => api.ucArm64X(31)).toThrow(RangeError);
  });

  it('uc_err names', () => {
    expect(api.ucErrName(api.UC_ERR_EXCEPTION)).toBe('UC_ERR_EXCEPTION');
    expect(api.ucErrName(api.UC_ERR_FETCH_UNMAPPED)).toBe('UC_ERR_FETCH_UNMAPPED');
    expect(api.ucErrName(99)).toBe('uc_err 99');
  });

  it.skipIf(includeDir === undefined || !haveCompiler())('match unicorn.h and arm64.h', () => {
    const dir = mkdtempSync(join(tmpdir(), 'derrick-unicorn-'));
    try {
      const names = Object.keys(EXPECTED);
      const lines = names.map((name) => `  printf("%lld\\n", (long long)(${name}));`);
      const regs = Array.from({ length: 29 }, (_, n) => `  printf("%lld\\n", (long long)UC_ARM64_REG_X${n});`);
      const source = `#include <stdio.h>\n#include <unicorn/unicorn.h>\nint main(void) {\n${[...lines, ...regs].join('\n')}\n  return 0;\n}\n`;
      writeFileSync(join(dir, 'constants.c'), source);
      execFileSync('cc', ['-I', includeDir!, join(dir, 'constants.c'), '-o', join(dir, 'constants')]);
      const printed = execFileSync(join(dir, 'constants'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      const actual = Object.fromEntries(names.map((name, i) => [name, printed[i]]));
      expect(actual).toEqual(EXPECTED);
      expect(printed.slice(names.length)).toEqual(Array.from({ length: 29 }, (_, n) => api.ucArm64X(n)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
