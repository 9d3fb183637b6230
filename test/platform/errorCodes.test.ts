import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { resolve } from 'node:path';
import { ERROR_CODES, STORE_OPERATIONS, isErrorCode, storeOperationCode } from '../../src/platform/errors.js';

const errorsTs = resolve('src/platform/errors.ts');

/** Type-checks one snippet against the real registry (only that file and its imports). */
function typeErrors(snippet: string): string[] {
  const file = resolve('test/platform/__snippet__.ts');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [], skipLibCheck: true };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (resolve(f) === file ? `import { InspectdError, type ErrorCode } from '${errorsTs.replace(/\.ts$/, '.js')}';\n${snippet}` : read(f));
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => resolve(f) === file || exists(f);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('error code registry', () => {
  it('a misspelt code is a compile error; a registered one compiles', () => {
    expect(typeErrors(`new InspectdError('CAMERA_STALLED', 'x');\nconst c: ErrorCode = 'STORE_EVICT';\nvoid c;`)).toEqual([]);
    const errs = typeErrors(`new InspectdError('CAMERA_STALED', 'x');`);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toContain('"CAMERA_STALED"');
    expect(typeErrors(`const c: ErrorCode = 'STORE_EVICTED';\nvoid c;`)[0]).toContain('"STORE_EVICTED"');
  }, 30_000);

  it('codes are unique, upper snake case, and carry their stage prefix', () => {
    const all = Object.values(ERROR_CODES).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const c of all) expect(c).toMatch(/^[A-Z]+(_[A-Z0-9]+)*$/);
    for (const c of ERROR_CODES.camera) expect(c.startsWith('CAMERA_')).toBe(true);
    for (const c of ERROR_CODES.model) expect(c.startsWith('MODEL_')).toBe(true);
    for (const c of ERROR_CODES.store) expect(c.startsWith('STORE_')).toBe(true);
  });

  it('guarded store operations map to STORE_<OPERATION>, and wire strings are checked against the registry', () => {
    expect(storeOperationCode('image_listener')).toBe('STORE_IMAGE_LISTENER');
    for (const op of STORE_OPERATIONS) expect(isErrorCode(storeOperationCode(op))).toBe(true);
    expect(isErrorCode('MODEL_TIMEOUT')).toBe(true);
    expect(isErrorCode('MODEL_TIMEDOUT')).toBe(false);
  });
});
