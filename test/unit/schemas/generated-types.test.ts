import { readFileSync } from 'node:fs';
import { generatedFile, renderTypes } from '../../../schemas/generate-types';
import { loadSchemaFiles, type EventSchemaFile } from '../../../schemas/schema-files';

describe('generated event types', () => {
  it('match the .avsc files (run `npx tsx schemas/generate-types.ts` after changing a schema)', () => {
    expect(readFileSync(generatedFile, 'utf8')).toBe(renderTypes(loadSchemaFiles()));
  });

  it('refuse a named type defined twice with different definitions', () => {
    const a = (doc: string): EventSchemaFile => ({
      file: `${doc}.avsc`, name: doc.toUpperCase(),
      schema: { type: 'record', name: doc.toUpperCase(), namespace: 'x', doc, fields: [
        { name: 'e', type: { type: 'enum', name: 'Shared', symbols: doc === 'a' ? ['A'] : ['A', 'B'] } }] },
    });
    expect(() => renderTypes([a('a'), a('b')])).toThrow('named type Shared is defined twice');
  });

  it('types times as Date, optional unions as T | null and enums as literal unions', () => {
    const text = readFileSync(generatedFile, 'utf8');
    expect(text).toContain('  submittedAt: Date;');
    expect(text).toContain('  deadline?: Date | null;');
    expect(text).toContain("export type ExitStatus = 'OK' | 'ERROR' | 'TIMEOUT' | 'OOM' | 'NOT_RUN';");
    expect(text).toContain('  value?: Buffer | null;');
  });
});
