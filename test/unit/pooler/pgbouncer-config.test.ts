import { identifierProblem } from '../../../src/database/identifiers';
import { PgBouncerConfig, PgBouncerConfigInput } from '../../../src/pooler/pgbouncer-config';
import { PoolMode } from '../../../src/pooler/pool-mode';

describe('pgbouncer.ini', () => {
  test('PgBouncerConfig.render is pure and validates its input', () => {
    const input: PgBouncerConfigInput = {
      upstreamHost: 'db.ns.svc',
      upstreamPort: 5432,
      listenAddr: '*',
      listenPort: 5432,
      unixSocketDir: '/run',
      authFile: '/auth/userlist.txt',
      authUser: 'pooler',
      poolMode: PoolMode.TRANSACTION,
      maxClientConn: 100,
      defaultPoolSize: 4,
      maxDbConnections: 5,
      serverIdleTimeout: 600,
      serverLifetime: 3600,
      serverConnectTimeout: 5,
      serverLoginRetry: 1,
      queryWaitTimeout: 120,
      clientIdleTimeout: 0,
    };
    expect(PgBouncerConfig.render(input)).toBe(PgBouncerConfig.render({ ...input }));
    expect(PgBouncerConfig.render(input)).not.toMatch(/stats_users|admin_users/);
    expect(PgBouncerConfig.render({ ...input, adminUsers: ['ops'] })).toMatch(/^admin_users = ops$/m);
    // The renderer assumes valid input; its validator returns every problem.
    const problems = PgBouncerConfig.validate({
      ...input, upstreamHost: 'db host', defaultPoolSize: 6, authUser: 'Pooler', databases: ['a', 'a', 'pgbouncer'], authFile: 'x;y',
    });
    expect(problems).toContainEqual({ property: 'upstreamHost', value: 'db host', rule: expect.stringContaining('must be a single token') });
    expect(problems).toContainEqual({ property: 'defaultPoolSize', value: 6, rule: 'must be an integer from 1 to 5' });
    // The one identifier rule of the library.
    expect(problems).toContainEqual({ property: 'authUser', value: 'Pooler', rule: identifierProblem('Pooler') });
    expect(problems).toContainEqual({ property: 'databases[1]', value: 'a', rule: 'is listed twice' });
    expect(problems).toContainEqual({ property: 'databases[2]', value: 'pgbouncer', rule: 'is the name of PgBouncer\'s admin console' });
    expect(problems).toContainEqual({ property: 'authFile', value: 'x;y', rule: expect.stringContaining('must be a single token') });
    expect(PgBouncerConfig.validate(input)).toEqual([]);
  });
});

describe('pool sizes', () => {
  test('PgBouncerConfig.poolSizes never lets all pods together exceed the budget', () => {
    for (const maxConnections of [10, 28, 100, 273, 1000]) {
      for (const poolerPods of [1, 2, 3, 5, 6, 12]) {
        for (const databases of [1, 2, 7]) {
          const reserves = { superuserReservedConnections: 3, reservedConnections: 10 };
          const sizes = PgBouncerConfig.poolSizes({ maxConnections, ...reserves, poolerPods, databases });
          expect(sizes.serverConnectionBudget).toBe(maxConnections - 13);
          expect(sizes.maxServerConnections).toBe(poolerPods * databases * sizes.maxDbConnections);
          expect(sizes.maxServerConnections + 13).toBeLessThanOrEqual(Math.max(maxConnections, 13));
          // As large as possible: one more per pod would not fit.
          expect(poolerPods * databases * (sizes.maxDbConnections + 1)).toBeGreaterThan(sizes.serverConnectionBudget);
        }
      }
    }
    const noPods = { maxConnections: 100, superuserReservedConnections: 3, reservedConnections: 10, poolerPods: 0, databases: 1 };
    expect(PgBouncerConfig.poolSizingProblems(noPods))
      .toEqual([{ property: 'poolerPods', value: 0, rule: 'must be an integer >= 1' }]);
  });
});
