import { BootstrapSql } from '../../../src/database/bootstrap-sql';

const encodingProblems = (encoding: string) => BootstrapSql.problems({ databases: [{ name: 'app', encoding }] }).filter((p) => p.property.endsWith('encoding'));

describe('database encodings: PostgreSQL\'s server encodings and aliases', () => {
  test.each(['SJIS', 'BIG5', 'GBK', 'UHC', 'GB18030', 'JOHAB', 'UTF16', 'UTF-32', 'ASCII', 'LATIN11', 'WIN1259'])('%s is rejected', (encoding) => {
    expect(encodingProblems(encoding).map((p) => p.rule).join()).toMatch(/not a server encoding/);
  });
  test.each(['UTF8', 'utf8', 'UTF-8', 'Unicode', 'LATIN1', 'ISO-8859-1', 'ISO_8859_5', 'SQL_ASCII', 'WIN1252', 'EUC_JP', 'KOI8R', 'cp1251'])('%s is accepted', (encoding) => {
    expect(encodingProblems(encoding)).toEqual([]);
  });
});
