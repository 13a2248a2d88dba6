import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, listQuery, problem, uuid } from '../schemas/common.js';
import {
  createMember,
  getMember,
  listMembers,
  memberInput,
  memberPatch,
  updateMember,
} from '../../app/companies/members.js';
import { approvalPolicyInput, getApprovalPolicy, setApprovalPolicy } from '../../app/companies/approval-policy.js';
import {
  budgetInput,
  budgetPatch,
  createBudget,
  getBudget,
  listBudgets,
  updateBudget,
} from '../../app/companies/budgets.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const tags = ['companies'];
const memberParams = z.object({ id: uuid, memberId: uuid });
const budgetParams = z.object({ id: uuid, budgetId: uuid });
const member = z.object({
  id: z.string(),
  companyId: z.string(),
  customerId: z.string().nullable(),
  externalUserId: z.string().nullable(),
  name: z.string(),
  email: z.string().nullable(),
  roles: z.array(z.string()),
  spendingLimit: z.string().nullable(),
  currency: z.string().nullable(),
  costCentre: z.string().nullable(),
  department: z.string().nullable(),
  active: z.boolean(),
  version: z.number(),
});
const policy = z.object({
  companyId: z.string(),
  aboveAmount: z.string().nullable(),
  currency: z.string().nullable(),
  requestersAlways: z.boolean(),
  overMemberLimit: z.boolean(),
  steps: z.number(),
  version: z.number(),
});
const budget = z.object({
  id: z.string(),
  companyId: z.string(),
  costCentre: z.string(),
  period: z.string(),
  periodStart: z.string(),
  timeZone: z.string(),
  currency: z.string(),
  amount: z.string(),
  consumed: z.string(),
  remaining: z.string(),
  version: z.number(),
});
const budgetDetail = budget.extend({
  consumptions: z.array(
    z.object({
      orderId: z.string(),
      amount: z.string(),
      state: z.string(),
      consumedAt: z.string(),
      releasedAt: z.string().nullable(),
    }),
  ),
});

/** A customer company's members, its own approval rule and its budgets (docs/b2b-companies.md). */
export async function companyB2bRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  app.post(
    '/companies/:id/members',
    {
      schema: {
        tags,
        summary: 'Add a member (requester, approver, buyer) to a company',
        params: idParams,
        body: memberInput,
        response: { 201: member, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'companies:write', async (tx, ctx) => ({
        status: 201,
        body: await createMember(tx, ctx.principal.actor, now(), request.params.id, request.body),
      })),
  );
  app.get(
    '/companies/:id/members',
    {
      schema: {
        tags,
        summary: "A company's members",
        params: idParams,
        querystring: z.object({ ...listQuery, role: z.enum(['requester', 'approver', 'buyer']).optional() }),
        response: { 200: z.object({ items: z.array(member), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) =>
      listMembers(authorize(deps.db, request, 'companies:read').store, request.params.id, request.query),
  );
  app.get(
    '/companies/:id/members/:memberId',
    { schema: { tags, summary: 'One member', params: memberParams, response: { 200: member, ...errors } } },
    async (request, reply) => {
      const found = await getMember(
        authorize(deps.db, request, 'companies:read').store,
        request.params.id,
        request.params.memberId,
      );
      etag(reply, found.version);
      return found;
    },
  );
  app.patch(
    '/companies/:id/members/:memberId',
    {
      schema: {
        tags,
        summary: 'Change a member; active: false deactivates it (If-Match honoured)',
        params: memberParams,
        body: memberPatch,
        response: { 200: member, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'companies:write');
      const changed = await updateMember(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        request.params.memberId,
        request.body,
        ifMatch(request),
      );
      etag(reply, changed.version);
      return changed;
    },
  );

  app.get(
    '/companies/:id/approval-policy',
    {
      schema: {
        tags,
        summary: "The company's own approval rule",
        params: idParams,
        response: { 200: policy, ...errors },
      },
    },
    async (request) => getApprovalPolicy(authorize(deps.db, request, 'companies:read').store, request.params.id),
  );
  app.put(
    '/companies/:id/approval-policy',
    {
      schema: {
        tags,
        summary: 'Set which orders the company approves itself before the seller sees them',
        params: idParams,
        body: approvalPolicyInput,
        response: { 200: policy, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'companies:write');
      return setApprovalPolicy(ctx.store, ctx.principal.actor, now(), request.params.id, request.body);
    },
  );

  app.post(
    '/companies/:id/budgets',
    {
      schema: {
        tags,
        summary: "Set a cost centre's budget for a month, quarter or year",
        params: idParams,
        body: budgetInput,
        response: { 201: budgetDetail, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'budgets:write', async (tx, ctx) => ({
        status: 201,
        body: await createBudget(tx, ctx.principal.actor, now(), request.params.id, request.body),
      })),
  );
  app.get(
    '/companies/:id/budgets',
    {
      schema: {
        tags,
        summary: "A company's budgets with what is consumed and what remains",
        params: idParams,
        querystring: z.object({ ...listQuery, costCentre: z.string().max(100).optional() }),
        response: { 200: z.object({ items: z.array(budget), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) =>
      listBudgets(authorize(deps.db, request, 'companies:read').store, request.params.id, request.query),
  );
  app.get(
    '/companies/:id/budgets/:budgetId',
    {
      schema: {
        tags,
        summary: 'One budget with the orders that consumed it',
        params: budgetParams,
        response: { 200: budgetDetail, ...errors },
      },
    },
    async (request, reply) => {
      const found = await getBudget(
        authorize(deps.db, request, 'companies:read').store,
        request.params.id,
        request.params.budgetId,
      );
      etag(reply, found.version);
      return found;
    },
  );
  app.patch(
    '/companies/:id/budgets/:budgetId',
    {
      schema: {
        tags,
        summary: "Change a budget's amount (If-Match honoured)",
        params: budgetParams,
        body: budgetPatch,
        response: { 200: budgetDetail, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'budgets:write');
      const changed = await updateBudget(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        request.params.budgetId,
        request.body,
        ifMatch(request),
      );
      etag(reply, changed.version);
      return changed;
    },
  );
}
