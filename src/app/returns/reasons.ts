import { AppError } from '../../shared/errors.js';
import { DEFAULT_REASONS } from '../../domain/returns/returns.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-returns.js';

export type ReturnReason = {
  code: string;
  labels: Record<string, string>;
  needsPhoto: boolean;
  active: boolean;
  /** Whether the tenant changed or added it (false: a built-in default). */
  custom: boolean;
};

/** The tenant's reason catalogue: the built-in reasons, relabelled or switched off by the tenant, and its own. */
export async function reasonCatalogue(scope: TenantScope): Promise<ReturnReason[]> {
  const rows = await scope.selectFrom('return_reasons').selectAll().orderBy('code').execute();
  const own = new Map(rows.map((r) => [r.code, r]));
  const out: ReturnReason[] = DEFAULT_REASONS.map((builtIn) => {
    const row = own.get(builtIn.code);
    return row
      ? {
          code: builtIn.code,
          labels: { ...builtIn.labels, ...row.labels },
          needsPhoto: row.needs_photo,
          active: row.active,
          custom: true,
        }
      : {
          code: builtIn.code,
          labels: { ...builtIn.labels },
          needsPhoto: builtIn.needsPhoto,
          active: true,
          custom: false,
        };
  });
  for (const row of rows)
    if (!DEFAULT_REASONS.some((builtIn) => builtIn.code === row.code))
      out.push({ code: row.code, labels: row.labels, needsPhoto: row.needs_photo, active: row.active, custom: true });
  return out;
}

/** Adds or changes one reason (labels in EN/PL/RU; `active: false` keeps it on past returns but off new ones). */
export async function saveReason(
  scope: TenantScope,
  now: Date,
  code: string,
  input: { labels: Record<string, string>; needsPhoto?: boolean | undefined; active?: boolean | undefined },
): Promise<ReturnReason> {
  if (!input.labels.en)
    throw new AppError('VALIDATION_FAILED', 'a reason needs an English label', [
      { path: '/labels/en', message: 'required', code: 'REQUIRED' },
    ]);
  await scope.conn
    .insertInto('return_reasons')
    .values({
      tenant_id: scope.tenantId,
      code,
      labels: JSON.stringify(input.labels),
      needs_photo: input.needsPhoto ?? false,
      active: input.active ?? true,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'code']).doUpdateSet({
        labels: JSON.stringify(input.labels),
        needs_photo: input.needsPhoto ?? false,
        active: input.active ?? true,
        updated_at: now,
      }),
    )
    .execute();
  return (await reasonCatalogue(scope)).find((r) => r.code === code)!;
}
