import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A pg_auto_failover formation on this machine for the failover test and bench/failover.ts: a
 * monitor, a primary and a synchronous standby (replication quorum, so a commit is acknowledged
 * only once the standby has it), on free ports, in a temporary folder, with the monitor's
 * timeouts cut from tens of seconds to one or two so that a failover takes seconds. PostgreSQL
 * refuses to run as root, so as root every pg_autoctl runs as the `postgres` user.
 */

export interface ClusterNode {
  name: string;
  port: number;
  pgdata: string;
  process: ChildProcess;
}

export interface Cluster {
  /** What `pg_autoctl show uri --formation default` printed, as given (libpq's multi-host form). */
  printedUri: string;
  /** The same with the user and sslmode node-postgres needs (user postgres, no TLS: --no-ssl). */
  url: string;
  nodes: ClusterNode[];
  monitorUrl: string;
  /** Single-host URL of a node. */
  nodeUrl(node: ClusterNode): string;
  /** The node that is primary now (asked of the monitor). */
  primary(): Promise<ClusterNode>;
  /** kill -9 the node: its pg_autoctl and its postgres, as a machine crash would. */
  kill(node: ClusterNode): void;
  /** Waits until the monitor reports the node in one of the states. */
  waitForState(node: ClusterNode, states: readonly string[], timeoutMs: number): Promise<void>;
  /** Stops everything and removes the folder (also done at process exit). */
  close(): Promise<void>;
}

const OWNER = 'postgres';

function binDir(): string | null {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'lib', 'pgautofailover.so')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

/** Why the cluster cannot be built here, or null when it can. */
export function clusterUnavailable(): string | null {
  if (process.platform !== 'linux') return 'pg_auto_failover test runs on Linux only';
  const which = spawnSync('sh', ['-c', 'command -v pg_autoctl'], { encoding: 'utf8' });
  if (which.status !== 0)
    return 'pg_autoctl is not installed (Debian: apt-get install postgresql-15-auto-failover pg-auto-failover-cli)';
  if (!binDir()) return 'no PostgreSQL with the pgautofailover extension under /usr/lib/postgresql/*/';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', OWNER]).status !== 0)
    return `running as root, and there is no "${OWNER}" user to run PostgreSQL as`;
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function query<T>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | null | undefined | false>,
  failed: () => Error | null = () => null,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    const error = failed();
    if (error) throw error;
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function startCluster(opts: { log?: (line: string) => void } = {}): Promise<Cluster> {
  const bin = binDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'ordo-failover-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, OWNER], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const env = {
    PATH: `${bin}:/usr/bin:/bin`,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'share'),
    PGCONNECT_TIMEOUT: '2',
  };
  // As root: runuser -u postgres -- env PATH=… pg_autoctl …; otherwise pg_autoctl with that environment.
  const command = (args: string[]) =>
    asRoot
      ? {
          file: 'runuser',
          args: ['-u', OWNER, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...args],
          env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
        }
      : { file: args[0]!, args: args.slice(1), env: { ...process.env, ...env } };
  let spawnError: Error | null = null;
  const children: ChildProcess[] = [];
  const pgdatas: string[] = [];
  /** A long-running pg_autoctl in its own process group, its output in dir/<name>.log. */
  const run = (name: string, args: string[]) => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    const { file, args: argv, env: childEnv } = command(args);
    const child = spawn(file, argv, { detached: true, stdio: ['ignore', out, out], env: childEnv });
    child.on('error', (error) => (spawnError = error));
    closeSync(out);
    children.push(child);
    return child;
  };
  const once = (args: string[]) => {
    const { file, args: argv, env: childEnv } = command(args);
    const result = spawnSync(file, argv, { encoding: 'utf8', env: childEnv, timeout: 30_000 });
    if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr || result.stdout}`);
    return result.stdout;
  };

  const killAll = () => {
    for (const child of children) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const pgdata of pgdatas) killPostmaster(pgdata);
  };
  const cleanUp = () => {
    killAll();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);

  try {
    const [monitorPort, port1, port2] = [await freePort(), await freePort(), await freePort()];
    const monitorData = join(dir, 'monitor');
    pgdatas.push(monitorData);
    const monitorUrl = `postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`;
    run('monitor', [
      'pg_autoctl',
      'create',
      'monitor',
      '--pgdata',
      monitorData,
      '--pgport',
      String(monitorPort),
      '--hostname',
      '127.0.0.1',
      '--auth',
      'trust',
      '--no-ssl',
      '--run',
    ]);
    await until(
      'the monitor',
      30_000,
      async () => {
        const rows = await query(monitorUrl, "select 1 from pg_extension where extname = 'pgautofailover'");
        return rows.length > 0;
      },
      () => spawnError,
    );
    // Seconds instead of the defaults' tens of seconds: health checks every second, a node is
    // unhealthy after 2 s, and a primary that does not answer is considered demoted after 3 s.
    for (const [name, value] of [
      ['health_check_period', 1000],
      ['health_check_timeout', 1000],
      ['health_check_max_retries', 1],
      ['health_check_retry_delay', 500],
      ['node_considered_unhealthy_timeout', 2000],
      ['primary_demote_timeout', 3000],
      ['startup_grace_period', 1000],
    ] as const)
      await query(monitorUrl, `alter system set pgautofailover.${name} = ${value}`);
    await query(monitorUrl, 'select pg_reload_conf()');
    opts.log?.(`monitor on ${monitorPort}`);

    const monitorForNodes = `postgres://autoctl_node@127.0.0.1:${monitorPort}/pg_auto_failover?sslmode=disable`;
    const nodes: ClusterNode[] = [];
    const startNode = (index: number, port: number) => {
      const name = `node${index}`;
      const pgdata = join(dir, name);
      pgdatas.push(pgdata);
      const child = run(name, [
        'pg_autoctl',
        'create',
        'postgres',
        '--pgdata',
        pgdata,
        '--pgport',
        String(port),
        '--listen',
        '127.0.0.1',
        '--hostname',
        '127.0.0.1',
        '--name',
        name,
        '--auth',
        'trust',
        '--no-ssl',
        '--dbname',
        'ordo',
        '--replication-quorum',
        'true',
        '--monitor',
        monitorForNodes,
        '--run',
      ]);
      const node = { name, port, pgdata, process: child };
      nodes.push(node);
      return node;
    };
    const stateOf = async (node: ClusterNode) =>
      (
        await query<{ reportedstate: string }>(
          monitorUrl,
          'select reportedstate::text from pgautofailover.node where nodename = $1',
          [node.name],
        )
      )[0]?.reportedstate;
    const waitForState = async (node: ClusterNode, states: readonly string[], timeoutMs: number) => {
      await until(`${node.name} in ${states.join('/')}`, timeoutMs, async () =>
        states.includes((await stateOf(node)) ?? ''),
      );
    };
    const nodeUrl = (node: ClusterNode) => `postgres://postgres@127.0.0.1:${node.port}/ordo`;

    const first = startNode(1, port1);
    // The second node may register as soon as the first has: it then waits for it to be primary.
    await until(
      `${first.name} registered`,
      30_000,
      async () => Boolean(await stateOf(first)),
      () => spawnError,
    );
    const second = startNode(2, port2);
    await waitForState(first, ['single', 'wait_primary', 'primary'], 30_000);
    opts.log?.(`primary ${first.name} on ${port1}`);
    // pg_basebackup asks for a spread checkpoint (minutes on an idle server): ask for it at once.
    await until('the standby', 60_000, async () => {
      await query(nodeUrl(first), 'checkpoint').catch(() => {});
      return (await stateOf(second)) === 'secondary' && (await stateOf(first)) === 'primary';
    });
    await until('synchronous replication', 20_000, async () => {
      const rows = await query<{ sync_state: string }>(nodeUrl(first), 'select sync_state from pg_stat_replication');
      return rows.some((r) => r.sync_state === 'quorum' || r.sync_state === 'sync');
    });
    opts.log?.(`standby ${second.name} on ${port2}, synchronous`);

    const printed = once(['pg_autoctl', 'show', 'uri', '--formation', 'default', '--pgdata', monitorData]).trim();
    const printedUri = /postgres(?:ql)?:\/\/\S+/.exec(printed)?.[0];
    if (!printedUri) throw new Error(`pg_autoctl show uri printed no URI: ${printed}`);
    // node-postgres has no sslmode=prefer (it would insist on TLS): these servers run --no-ssl.
    const url = printedUri.replace('://', '://postgres@').replace(/sslmode=[a-z-]+/, 'sslmode=disable');

    return {
      printedUri,
      url,
      nodes,
      monitorUrl,
      nodeUrl,
      async primary() {
        const rows = await query<{ nodename: string }>(
          monitorUrl,
          "select nodename from pgautofailover.node where goalstate in ('primary', 'wait_primary', 'single') and reportedstate = goalstate",
        );
        const node = nodes.find((n) => rows.some((r) => r.nodename === n.name));
        if (!node) throw new Error('no primary reported by the monitor');
        return node;
      },
      kill(node) {
        if (node.process.pid) process.kill(-node.process.pid, 'SIGKILL');
        killPostmaster(node.pgdata);
      },
      waitForState,
      async close() {
        process.removeListener('exit', cleanUp);
        cleanUp();
        await sleep(100);
      },
    };
  } catch (error) {
    const logs = ['monitor', 'node1', 'node2']
      .map((name) => join(dir, `${name}.log`))
      .filter((path) => existsSync(path))
      .map((path) => `--- ${path}\n${readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
    process.removeListener('exit', cleanUp);
    cleanUp();
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
}

/** kill -9 the postmaster of a data folder (its backends exit when they see it gone). */
function killPostmaster(pgdata: string): void {
  try {
    const pid = Number(readFileSync(join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    /* not running */
  }
}
