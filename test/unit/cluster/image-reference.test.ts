import * as fc from 'fast-check';
import { validateImageReference } from '../../../src/cluster/spilo-image';

const SHA = 'a'.repeat(40) + '0123456789abcdef01234567';

const INVALID = [
  'ghcr.io/zalando/Spilo-17:4.0-p3', // uppercase repository
  'ghcr.io/zalando/spilo-17', // no tag: latest
  'spilo:latest',
  'ghcr.io/zalando/spilo-17:-p3', // a tag cannot start with "-"
  `ghcr.io/zalando/spilo-17:${'x'.repeat(129)}`,
  'ghcr.io/zalando/spilo-17@sha256:abc', // short digest
  `ghcr.io/zalando/spilo-17@sha256:${SHA.toUpperCase()}`,
  `ghcr.io/zalando/spilo-17@sha256:${SHA}0`, // 65 digits
  `ghcr.io/zalando/spilo-17@${SHA}`, // no algorithm
  `ghcr.io/zalando/spilo-17@sha256:${SHA}@sha256:${SHA}`,
  'ghcr.io//spilo:1', // empty component
  'ghcr.io/zalando/spilo-:1', // ends with a separator
  'ghcr.io/zalando/spilo..17:1',
  '-registry.example.com/spilo:1',
  'registry.example.com:port/spilo:1',
  'ghcr.io/zalando/spilo 17:1',
  '',
  `example.com/${'a'.repeat(250)}:1`,
];

const VALID = [
  'ghcr.io/zalando/spilo-17:4.0-p3',
  `ghcr.io/zalando/spilo-17@sha256:${SHA}`, // by digest
  `ghcr.io/zalando/spilo-17:4.0-p3@sha256:${SHA}`,
  'registry.example.com:5000/team/spilo:17',
  'localhost/spilo:dev',
  'localhost:5000/spilo:dev',
  'postgres:17.2',
  'a__b/c_d/e---f:1',
  'example.com/spilo:V1.2_rc',
  `example.com/${'a'.repeat(243)}:1`, // a repository name of exactly 255 characters
];

describe('image references (the distribution reference grammar)', () => {
  test.each(INVALID)('%j is rejected', (image) => expect(validateImageReference(image)).toBeDefined());
  test.each(VALID)('%j is accepted', (image) => expect(validateImageReference(image)).toBeUndefined());

  const component = fc.stringMatching(/^[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}$/);
  const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/).filter((t) => t !== 'latest');
  test('property: registry/path:tag from the grammar is accepted', () => {
    fc.assert(fc.property(fc.array(component, { minLength: 1, maxLength: 3 }), tag, (path, t) =>
      validateImageReference(`registry.example.com/${path.join('/')}:${t}`) === undefined));
  });
  test('property: an uppercase letter in the repository path is rejected', () => {
    fc.assert(fc.property(component, fc.constantFrom(...'ABCXYZ'), tag, (c, upper, t) =>
      validateImageReference(`registry.example.com/${c}${upper}:${t}`) !== undefined));
  });
  test('property: a sha256 digest of any other length than 64 is rejected', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }).filter((n) => n !== 64), (n) =>
      validateImageReference(`ghcr.io/zalando/spilo-17@sha256:${'a'.repeat(n)}`) !== undefined));
  });
});
