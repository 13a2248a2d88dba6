import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  completeTaskInput,
  delegateTaskInput,
  exceptionsQuery,
  exceptionsView,
  task,
  taskCompletion,
  taskRow,
  taskListQuery,
} from '../schemas/process.js';
import { AppError } from '../../shared/errors.js';
import { getTask, listTasks } from '../../app/process/list-tasks.js';
import { claimTask } from '../../app/process/claim-task.js';
import { completeTask } from '../../app/process/complete-task.js';
import { delegateTask } from '../../app/process/delegate-task.js';
import { listExceptions } from '../../app/process/list-exceptions.js';
import type { TaskActor } from '../../app/process/task-roles.js';
import type { Principal } from '../../app/identity/authenticate.js';

const errors = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  409: problem,
  412: problem,
  413: problem,
  422: problem,
};
const tags = ['tasks'];

/** Who acts on a task: the principal's actor, permission roles, business roles and company member. */
const taskActor = (principal: Principal): TaskActor => ({
  actor: principal.actor,
  roles: principal.roles,
  businessRoles: principal.businessRoles,
  memberId: principal.memberId,
});

/** The human task inbox (approvals, reviews, resolutions) and the exceptions queue (issue 4). */
export async function taskRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  app.get(
    '/tasks',
    {
      schema: {
        tags,
        summary: 'Task inbox: filter by role, assignee, state, party, due date, overdue',
        querystring: taskListQuery,
        response: { 200: z.object({ items: z.array(taskRow), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'tasks:read');
      return listTasks(ctx.store, now(), request.query, taskActor(ctx.principal));
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: {
        tags,
        summary: 'One task with its order context',
        params: idParams,
        response: { 200: taskRow, ...errors },
      },
    },
    async (request, reply) => {
      const task = await getTask(authorize(deps.db, request, 'tasks:read').store, now(), request.params.id);
      if (!task) throw new AppError('NOT_FOUND', `task ${request.params.id} not found`);
      etag(reply, task.version);
      return task;
    },
  );

  app.post(
    '/tasks/:id/claim',
    {
      schema: { tags, summary: 'Claim an open task', params: idParams, response: { 200: task, ...errors } },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'tasks:act', async (tx, ctx) => ({
        status: 200,
        body: await claimTask(tx, taskActor(ctx.principal), now(), request.params.id, ifMatch(request)),
      })),
  );

  app.post(
    '/tasks/:id/complete',
    {
      schema: {
        tags,
        summary:
          "Complete a task with an outcome and a comment (the outcome is the event the order's process receives)",
        params: idParams,
        body: completeTaskInput,
        response: { 200: taskCompletion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'tasks:act', async (tx, ctx) => ({
        status: 200,
        body: await completeTask(
          deps.processes.ops,
          tx,
          taskActor(ctx.principal),
          now(),
          request.params.id,
          request.body,
          ifMatch(request),
        ),
      })),
  );

  app.post(
    '/tasks/:id/delegate',
    {
      schema: {
        tags,
        summary: 'Delegate a task to a person or a role',
        params: idParams,
        body: delegateTaskInput,
        response: { 200: task, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'tasks:act', async (tx, ctx) => ({
        status: 200,
        body: await delegateTask(
          tx,
          taskActor(ctx.principal),
          now(),
          request.params.id,
          request.body,
          ifMatch(request),
        ),
      })),
  );

  app.get(
    '/exceptions',
    {
      schema: {
        tags: ['tasks', 'orders'],
        summary:
          'Orders waiting in exception states, grouped by kind, with the allowed resolutions (post one to /orders/{id}/events)',
        querystring: exceptionsQuery,
        response: { 200: exceptionsView, ...errors },
      },
    },
    async (request) =>
      listExceptions(authorize(deps.db, request, 'orders:read').store, deps.processes.actions, request.query, now()),
  );
}
