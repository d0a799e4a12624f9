import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MANAGED_KEYS } from '../../../src/cluster/dynamic-config';
import { DYNAMIC_CONFIG_PY } from '../../../src/cluster/dynamic-config-script';

/*
 * The configuration Job's restart order, decided by its Python `next_step` from GET /cluster as Patroni 4
 * reports it (pending_restart_reason: {parameter: {old_value: running, new_value: after a restart}}). The
 * order on real members is proven by test/integration/day2/hot-standby-parameters.test.ts.
 */

type Member = Record<string, unknown>;

function member(name: string, role: string, reason?: Record<string, [string, string]>): Member {
  const m: Member = { name, role, state: role === 'leader' ? 'running' : 'streaming', api_url: `http://${name}:8008/patroni` };
  if (reason) {
    m.pending_restart = true;
    m.pending_restart_reason = Object.fromEntries(Object.entries(reason).map(([k, [o, n]]) => [k, { old_value: o, new_value: n }]));
  }
  return m;
}

/** The Job's next step for a /cluster state: [action, member name] or null. */
function nextStep(state: Member[]): [string, string] | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamic-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'apply_config.py'), DYNAMIC_CONFIG_PY.replace('@@MANAGED_KEYS@@', JSON.stringify(MANAGED_KEYS)));
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    fs.writeFileSync(path.join(dir, 'restart'), 'max_connections\n');
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
    const code = 'import json, apply_config as a\n'
      + 'step = a.next_step(json.load(open("state.json")))\n'
      + 'print(json.dumps(None if step is None else [step[0], step[1]["name"]]))';
    const out = execFileSync('python3', ['-c', code, 'config.json', 'restart'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, PATRONI_URLS: 'http://x:8008', PATRONI_RESTAPI_USERNAME: 'u', PATRONI_RESTAPI_PASSWORD: 'p' },
    });
    return JSON.parse(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const LOWER = { max_connections: ['200', '100'] as [string, string], max_worker_processes: ['16', '8'] as [string, string] };
const RAISE = { max_connections: ['100', '200'] as [string, string] };

describe('the configuration Job\'s restart order', () => {
  test('nothing pending: nothing to do', () => {
    expect(nextStep([member('a', 'leader'), member('b', 'replica'), member('c', 'replica')])).toBeNull();
  });

  test('a plain restart parameter: replicas first, then a switchover from the leader', () => {
    const reason = { max_files_per_process: ['1000', '1500'] as [string, string] };
    expect(nextStep([member('a', 'leader', reason), member('b', 'replica', reason), member('c', 'replica', reason)])).toEqual(['restart', 'b']);
    expect(nextStep([member('a', 'leader', reason), member('b', 'replica'), member('c', 'replica')])).toEqual(['switchover', 'a']);
  });

  test('a raised hot-standby-bound parameter: replicas first (a primary must never run above a standby)', () => {
    expect(nextStep([member('a', 'leader', RAISE), member('b', 'replica', RAISE), member('c', 'replica', RAISE)])).toEqual(['restart', 'b']);
    expect(nextStep([member('a', 'leader', RAISE), member('b', 'replica'), member('c', 'replica')])).toEqual(['switchover', 'a']);
  });

  test('a lowered hot-standby-bound parameter: the leader first, in place (no switchover), then each replica', () => {
    expect(nextStep([member('b', 'replica', LOWER), member('a', 'leader', LOWER), member('c', 'replica', LOWER)])).toEqual(['restart', 'a']);
    // A replica restarted before the leader came back at pg_control's value: it waits for the leader.
    expect(nextStep([member('a', 'leader', LOWER), member('b', 'replica', LOWER), member('c', 'replica')])).toEqual(['restart', 'a']);
    // The leader runs the lower values: the replicas can take them now.
    expect(nextStep([member('a', 'leader'), member('b', 'replica', LOWER), member('c', 'replica', LOWER)])).toEqual(['restart', 'b']);
    expect(nextStep([member('a', 'leader'), member('b', 'replica'), member('c', 'replica', LOWER)])).toEqual(['restart', 'c']);
  });

  test('a lowering together with another restart parameter still restarts the leader first', () => {
    const replica = { ...LOWER, max_files_per_process: ['1000', '1500'] as [string, string] };
    expect(nextStep([member('a', 'leader', replica), member('b', 'replica', replica), member('c', 'replica', replica)])).toEqual(['restart', 'a']);
  });

  test('one raised and one lowered: replicas take the raise first, then the leader restarts in place, then the replicas again', () => {
    const mixed = { max_connections: ['100', '200'] as [string, string], max_worker_processes: ['16', '8'] as [string, string] };
    const held = { max_worker_processes: ['16', '8'] as [string, string] };
    expect(nextStep([member('a', 'leader', mixed), member('b', 'replica', mixed), member('c', 'replica', mixed)])).toEqual(['restart', 'b']);
    // b came back with the raised max_connections; max_worker_processes is held by the leader's value.
    expect(nextStep([member('a', 'leader', mixed), member('b', 'replica', held), member('c', 'replica', mixed)])).toEqual(['restart', 'c']);
    expect(nextStep([member('a', 'leader', mixed), member('b', 'replica', held), member('c', 'replica', held)])).toEqual(['restart', 'a']);
    expect(nextStep([member('a', 'leader'), member('b', 'replica', held), member('c', 'replica', held)])).toEqual(['restart', 'b']);
  });

  test('values Patroni reports with units or not as integers never count as a lowering', () => {
    const odd = { max_connections: ['200', ''] as [string, string] };
    expect(nextStep([member('a', 'leader', odd), member('b', 'replica', odd), member('c', 'replica')])).toEqual(['restart', 'b']);
  });
});
