import type { ColumnType, Generated } from 'kysely';
import type { Int8, Timestamp } from './schema.js';

/** Company depth (issue 17, item 5; migration 0020, docs/b2b-companies.md). */

export type MemberRole = 'requester' | 'approver' | 'buyer';
export type BudgetPeriod = 'month' | 'quarter' | 'year';

export interface BusinessRoleMapTable {
  tenant_id: string;
  role: string;
  acts_as: string;
}

export interface CompanyMembersTable {
  tenant_id: string;
  id: string;
  company_id: string;
  customer_id: string | null;
  external_user_id: string | null;
  name: string;
  email: string | null;
  roles: string[];
  spending_limit: Int8 | null;
  currency: string | null;
  cost_centre: string | null;
  department: string | null;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CompanyApprovalPoliciesTable {
  tenant_id: string;
  company_id: string;
  above_amount: Int8 | null;
  currency: string | null;
  requesters_always: boolean;
  over_member_limit: boolean;
  steps: number;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface BudgetsTable {
  tenant_id: string;
  id: string;
  company_id: string;
  cost_centre: string;
  period: BudgetPeriod;
  /** the first day of the period in the budget's time zone (date; read as 'YYYY-MM-DD' text) */
  period_start: ColumnType<string, string, string>;
  time_zone: string;
  currency: string;
  amount: Int8;
  consumed: Generated<string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface BudgetConsumptionsTable {
  tenant_id: string;
  budget_id: string;
  order_id: string;
  amount: Int8;
  state: 'consumed' | 'released';
  consumed_at: Timestamp;
  released_at: Timestamp | null;
}

declare module './schema.js' {
  interface DB {
    business_role_map: BusinessRoleMapTable;
    company_members: CompanyMembersTable;
    company_approval_policies: CompanyApprovalPoliciesTable;
    budgets: BudgetsTable;
    budget_consumptions: BudgetConsumptionsTable;
  }
  interface UsersTable {
    business_roles: Generated<string[]>;
  }
  interface ApiKeysTable {
    business_roles: Generated<string[]>;
    company_member_id: ColumnType<string | null, string | null | undefined, string | null>;
  }
  interface OrdersTable {
    placed_by_member_id: ColumnType<string | null, string | null | undefined, string | null>;
  }
}
