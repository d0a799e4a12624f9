import { createHash } from 'crypto';
import { contentHash } from '../../../src/private/hash';

/** The definition the names were always made with: the first 10 hex digits of SHA-256 over JSON.stringify(parts). */
const reference = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 10);

const script = (n: number) => `#!/bin/sh\n# script ${n}: "quoted", tab\t, backslash \\ and unicode \u00e9\n${'echo line\n'.repeat(200)}`;

describe('contentHash', () => {
  const cases: Array<[string, unknown[]]> = [
    ['no parts', []],
    ['one short text', ['abc']],
    ['a long leading text and the rest', [script(1), { env: [{ name: 'A', value: 'b' }] }, 'image:1', {}, []]],
    ['a long text in the middle', ['data', script(2), 17]],
    ['a long text alone', [script(3)]],
    ['values without a JSON form', [undefined, () => 1, Symbol('s'), null]],
    ['a long leading text followed by undefined', [script(4), undefined]],
    ['nested long texts', [{ files: { 'a.sh': script(5), 'b.sh': script(6) } }]],
    // Containers that hold a long text are serialized member by member: JSON.stringify's omissions and order hold.
    ['a command array with a long text, holes and values without a JSON form', ['x', ['bash', '-c', script(8), undefined, () => 1, , 3]]],
    ['an object with a long text, omitted members, integer-like and escaped keys', [{ 'b': script(9), 'a': undefined, 'f': () => 1, '2': 'two', '1': null, 'q"\\': true }]],
    ['a long text beside a value with toJSON and a class instance', [{ s: script(10), d: new Date(0), m: new Map([[1, 2]]), c: new (class { x = script(11); })() }]],
    ['an object with its own toJSON holding a long text', [{ toJSON: () => 'replaced', s: script(12) }]],
    ['an object without a prototype', [Object.assign(Object.create(null), { s: script(13), n: 1 })]],
  ];

  test.each(cases)('%s: equals SHA-256 of JSON.stringify(parts)', (_name, parts) => {
    expect(contentHash(...parts)).toEqual(reference(...parts));
    // A second call (the long texts are remembered now) gives the same digest.
    expect(contentHash(...parts)).toEqual(reference(...parts));
  });

  test('an equal text built again (as each cluster renders its scripts) hashes the same, and a changed text differently', () => {
    const first = contentHash(script(7), 'x');
    expect(contentHash([script(7)].join(''), 'x')).toEqual(first);
    expect(contentHash(script(7) + ' ', 'x')).not.toEqual(first);
    expect(contentHash(script(7), 'y')).not.toEqual(first);
  });

  test('more distinct long texts than are remembered still hash correctly', () => {
    for (let n = 0; n < 200; n++) expect(contentHash(script(100 + n), n)).toEqual(reference(script(100 + n), n));
    for (let n = 0; n < 200; n += 37) expect(contentHash(script(100 + n), n)).toEqual(reference(script(100 + n), n));
  });
});
