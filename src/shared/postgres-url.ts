/**
 * PostgreSQL connection URLs as libpq reads them, including the multi-host form that HA tools
 * print (pg_auto_failover's `pg_autoctl show uri`, Patroni's docs):
 *   postgres://user:pass@h1:5432,h2:5433/db?target_session_attrs=read-write
 * node-postgres (and the WHATWG URL parser) take one host only; this splits the list so the store
 * can connect to each host in turn. Pure: no I/O, usable by the settings and the store alike.
 */

export const SESSION_ATTRS = ['any', 'read-write', 'primary', 'read-only', 'standby', 'prefer-standby'] as const;
export type SessionAttrs = (typeof SESSION_ATTRS)[number];

export interface HostPort {
  host: string;
  port: number;
}

export interface PostgresUrl {
  hosts: HostPort[];
  /** libpq's target_session_attrs; undefined when the URL does not say. */
  targetSessionAttrs: SessionAttrs | undefined;
  /** The URL for one of its hosts (target_session_attrs removed): what node-postgres accepts. */
  forHost(target: HostPort): string;
}

const SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?$/i;

/** Parses a postgres:// URL with one or several hosts; throws an Error saying what is wrong. */
export function parsePostgresUrl(text: string): PostgresUrl {
  const match = SHAPE.exec(text.trim());
  if (!match) throw new Error('not a postgres:// or postgresql:// URL');
  const [, scheme, userInfo, hostList, path, query] = match as unknown as [
    string,
    string,
    string | undefined,
    string,
    string,
    string | undefined,
  ];
  const hosts = hostList.split(',').map(hostPort);
  const params = new URLSearchParams(query ?? '');
  const attrs = params.get('target_session_attrs') ?? undefined;
  if (attrs !== undefined && !(SESSION_ATTRS as readonly string[]).includes(attrs))
    throw new Error(`target_session_attrs must be one of ${SESSION_ATTRS.join(', ')}`);
  params.delete('target_session_attrs');
  const rest = params.toString();
  const prefix = `${scheme}${userInfo === undefined ? '' : `${userInfo}@`}`;
  const forHost = (target: HostPort) => {
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return `${prefix}${host}:${target.port}${path}${rest ? `?${rest}` : ''}`;
  };
  // Each single-host form must be a URL node-postgres can read.
  for (const target of hosts) new URL(forHost(target));
  return { hosts, targetSessionAttrs: attrs as SessionAttrs | undefined, forHost };
}

function hostPort(part: string): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
  const plain = /^([^:[\]]*)(?::(\d+))?$/.exec(part);
  const found = bracketed ?? plain;
  if (!found || (!bracketed && part.split(':').length > 2)) throw new Error(`host "${part}" is not host[:port]`);
  const host = decodeURIComponent(found[1] ?? '') || 'localhost';
  const port = found[2] === undefined ? 5432 : Number(found[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port of "${part}" is not a port number`);
  return { host, port };
}

/** The URL without its password, for logs: `postgres://h1:5432,h2:5433/db`. */
export function describePostgresUrl(text: string): string {
  try {
    const parsed = parsePostgresUrl(text);
    const first = new URL(parsed.forHost(parsed.hosts[0]!));
    return `PostgreSQL ${parsed.hosts.map((h) => `${h.host}:${h.port}`).join(',')}${first.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}
