/** One HTTP POST of a webhook: status, latency and a short excerpt of the answer for the log. */
export interface SendResult {
  outcome: 'succeeded' | 'failed' | 'timeout' | 'error';
  statusCode: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
}

const EXCERPT = 500;

export async function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', 'user-agent': 'Ordo-Webhooks/1', ...headers },
    });
    const text = await readExcerpt(res);
    const ok = res.status >= 200 && res.status < 300;
    return {
      outcome: ok ? 'succeeded' : 'failed',
      statusCode: res.status,
      latencyMs: ms(),
      excerpt: text,
      error: ok ? null : `HTTP ${res.status}`,
    };
  } catch (error) {
    const err = error as Error & { cause?: { code?: string } };
    const timeout = err.name === 'TimeoutError' || err.name === 'AbortError';
    return {
      outcome: timeout ? 'timeout' : 'error',
      statusCode: null,
      latencyMs: ms(),
      excerpt: null,
      error: timeout
        ? `no answer within ${timeoutMs} ms`
        : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ''}`,
    };
  }
}

/** Reads at most a few KB: a receiver that streams a large page must not fill our memory. */
async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT);
  return text || null;
}
