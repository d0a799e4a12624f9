import * as path from 'path';
import { Testing } from 'cdk8s';
import { ProductionExample } from '../../../examples/production';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, serviceTempDir, writeServiceFile } from '../../harness/processes';

/**
 * Runs the production example's bootstrap Job for real: its command (the wait-for-primary wrapper
 * and psql with the Job's flags), its environment and its ConfigMap's SQL, against PostgreSQL 15
 * with TLS (the Job requires it). Only what Kubernetes provides is replaced: PGHOST/PGPORT point at
 * the test server, the ConfigMap mount path is a temporary directory, and the secretKeyRef values
 * are passwords the test makes up.
 */
describe('bootstrap Job of the production example on real PostgreSQL', () => {
  let server: PostgresServer;
  const objects = Testing.synth(new ProductionExample(Testing.app(), 'production'));
  const job = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('orders-db-bootstrap-'));
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === job.metadata.name);
  const container = job.spec.template.spec.containers[0];
  const secretValues = new Map<string, string>();

  beforeAll(async () => {
    server = await PostgresServer.start({
      tls: true,
      hba: ['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'],
    });
    server.query("ALTER ROLE postgres PASSWORD 'superuser-secret-from-k8s'");
  });
  afterAll(() => server?.stop());

  function jobEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const variable of container.env) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref) {
        env[variable.name] = variable.value;
      } else if (ref.key === 'username') {
        env[variable.name] = 'postgres';
      } else {
        const value = ref.name.startsWith('postgres.') ? 'superuser-secret-from-k8s' : secretValues.get(ref.name) ?? `pw-${Math.random().toString(36).slice(2)}-${ref.name.length}`;
        secretValues.set(ref.name, value);
        env[variable.name] = value;
      }
    }
    return { ...env, PGHOST: server.host, PGPORT: String(server.port) };
  }

  function runJob(): { status: number | null; output: string } {
    const dir = serviceTempDir('sql');
    const file = path.join(dir, 'bootstrap.sql');
    writeServiceFile(file, configMap.data['bootstrap.sql']);
    const [command, ...args] = container.command.map((a: string) => (a === '/sql/bootstrap.sql' ? file : a));
    const result = runAsService(command, args, { env: jobEnv() });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  function snapshot(): string {
    const queries = [
      'SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolpassword FROM pg_authid ORDER BY 1',
      'SELECT r.rolname, m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member ORDER BY 1, 2',
      'SELECT datname, pg_get_userbyid(datdba), datacl FROM pg_database ORDER BY 1',
    ];
    const perDatabase = [
      "SELECT nspname, pg_get_userbyid(nspowner), nspacl FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1",
      'SELECT pg_get_userbyid(defaclrole), defaclnamespace::regnamespace, defaclobjtype, defaclacl FROM pg_default_acl ORDER BY 1, 2, 3',
      'SELECT extname, extversion FROM pg_extension ORDER BY 1',
    ];
    return [...queries.map((q) => server.query(q)), ...perDatabase.map((q) => server.query(q, { database: 'orders' }))].join('\n---\n');
  }

  test('the Job waits for the primary, applies the SQL, and a second run changes nothing', () => {
    const first = runJob();
    expect(first.output).toContain('primary is up');
    expect(first.status).toBe(0);
    const afterFirst = snapshot();
    expect(afterFirst).toMatch(/^orders_app\|f\|t\|f\|f\|t\|f\|f\|200\|SCRAM-SHA-256\$/m);
    expect(afterFirst).toMatch(/^orders_writer\|orders_app$/m);
    expect(afterFirst).toMatch(/^pg_stat_statements\|/m);
    const second = runJob();
    expect(second.status).toBe(0);
    expect(snapshot()).toBe(afterFirst);
    for (const password of secretValues.values()) {
      expect(first.output).not.toContain(password);
      expect(second.output).not.toContain(password);
    }
  });

  test('the declared app role logs in over TLS with its Secret\'s password and can write through orders_writer', () => {
    const appPassword = secretValues.get('orders-app.orders-db.credentials.postgresql.acid.zalan.do')!;
    expect(appPassword).toBeDefined();
    server.query('CREATE TABLE data.items (id int PRIMARY KEY)', { database: 'orders', args: ['-c', 'SET ROLE orders_owner'] });
    const env = { PGSSLMODE: 'require' };
    expect(server.psql('INSERT INTO data.items VALUES (1)', { user: 'orders_app', password: appPassword, database: 'orders', env }).status).toBe(0);
    const analytics = secretValues.get('analytics.orders-db.credentials.postgresql.acid.zalan.do')!;
    expect(server.query('SELECT count(*) FROM data.items', { user: 'analytics', password: analytics, database: 'orders', env })).toBe('1');
    expect(server.psql('INSERT INTO data.items VALUES (2)', { user: 'analytics', password: analytics, database: 'orders', env }).status).not.toBe(0);
  });
});
