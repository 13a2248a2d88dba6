/** Roles and what each may do. A key or user carries one or more roles. */
export const ROLES = ['admin', 'operator', 'approver', 'integration', 'viewer', 'finance'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'orders:read',
  'orders:write',
  'orders:import',
  /** Raise an event a system, carrier, payment, timer or integration raises, as a person, with a reason (issue 18). */
  'orders:override',
  /** Raise those events as an integration: API keys only, never a person's session (issue 18). */
  'orders:integrate',
  'reference:read',
  'reference:write',
  'inventory:read',
  'inventory:write',
  /** Split a hot SKU's stock into buckets or merge them back (admin only; docs/inventory.md). */
  'inventory:buckets',
  'tasks:read',
  'tasks:act',
  'processes:read',
  'processes:write',
  'events:read',
  'events:write',
  'routing:read',
  'routing:write',
  'fulfilment:read',
  'fulfilment:write',
  'notifications:read',
  'notifications:write',
  'payments:read',
  'payments:write',
  'invoices:write',
  'credit:write',
  'returns:read',
  'returns:write',
  'channels:read',
  'channels:write',
  'prices:write',
  'subscriptions:read',
  'subscriptions:write',
  'keys:manage',
  'users:manage',
  'companies:read',
  'companies:write',
  'budgets:write',
  /** Data-subject requests: export and erase a customer's personal data (admin only). */
  'privacy:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = [
  'orders:read',
  'reference:read',
  'inventory:read',
  'tasks:read',
  'processes:read',
  'events:read',
  'routing:read',
  'fulfilment:read',
  'notifications:read',
  'payments:read',
  'returns:read',
  'channels:read',
  'companies:read',
  'subscriptions:read',
];

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: [
    ...READ,
    'orders:write',
    'orders:import',
    'inventory:write',
    'tasks:act',
    'fulfilment:write',
    'returns:write',
    'channels:write',
    'companies:write',
    'subscriptions:write',
  ],
  approver: [...READ, 'tasks:act'],
  integration: [
    ...READ,
    'orders:write',
    'orders:import',
    'orders:integrate',
    'reference:write',
    'inventory:write',
    'events:write',
    'fulfilment:write',
    'payments:write',
    'invoices:write',
    'returns:write',
    'channels:write',
    'prices:write',
    'companies:write',
    'subscriptions:write',
  ],
  viewer: READ,
  /** Money: captures, refunds, invoices and credit notes, credit holds, remittances; and its tasks. */
  finance: [...READ, 'payments:write', 'invoices:write', 'credit:write', 'tasks:act', 'budgets:write'],
};

export function permissionsOf(roles: readonly string[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const role of roles) for (const grant of GRANTS[role as Role] ?? []) out.add(grant);
  return out;
}

export const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);
