import { describe, expect, it } from 'vitest';
import { displayPath, formatDiagnostic } from './diagnostics.js';

describe('formatDiagnostic', () => {
  it('puts a caret under the column, keeping tabs so it lines up', () => {
    expect(
      formatDiagnostic({ file: '/w/a.aurora.ts', line: 12, column: 3, length: 4, code: 'TS1', message: 'm', sourceLine: '\t x = 1' }, '/w'),
    ).toEqual(['a.aurora.ts:12:3 - error TS1: m', '12 \t x = 1', '   \t ^~~~']);
  });

  it('prints diagnostics without a file or line plainly', () => {
    expect(formatDiagnostic({ code: 'TS5023', message: 'bad option' }, '/w')).toEqual(['error TS5023: bad option']);
  });

  it('shows paths outside the working directory in full', () => {
    expect(displayPath('/elsewhere/x.ts', '/w')).toBe('/elsewhere/x.ts');
    expect(displayPath('/w/sub/x.ts', '/w')).toBe('sub/x.ts');
  });
});
