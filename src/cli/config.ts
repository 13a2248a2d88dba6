/** Configuration from the environment (12-factor); every value has a laptop-friendly default. */
export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  logLevel: string;
  poolSize: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.ORDO_DATA_DIR ?? './data',
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info',
    poolSize: Number(env.DATABASE_POOL_SIZE ?? 16),
  };
}
