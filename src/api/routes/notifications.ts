import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { idParams, problem } from '../schemas/common.js';
import {
  notification,
  notificationListQuery,
  notificationSummary,
  preview,
  previewBody,
  settings,
  settingsBody,
  template,
  templateBody,
  templateList,
  templateName,
  templateParams,
} from '../schemas/notifications.js';
import { AppError } from '../../shared/errors.js';
import { getNotification, listNotifications } from '../../app/notifications/list-notifications.js';
import {
  deleteTemplateOverride,
  effectiveTemplate,
  listTemplates,
  putTemplateOverride,
} from '../../app/notifications/templates.js';
import { previewNotification } from '../../app/notifications/preview-notification.js';
import { getNotificationSettings, putNotificationSettings } from '../../app/notifications/settings.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 412: problem, 422: problem };
const tags = ['notifications'];

/** Customer notification templates, settings and the sent-message log (issue 6). */
export async function notificationRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/notifications',
    {
      schema: {
        tags,
        summary: 'Notifications, newest first (filter by order and state)',
        querystring: notificationListQuery,
        response: {
          200: z.object({ items: z.array(notificationSummary), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (request) => listNotifications(authorize(deps.db, request, 'notifications:read').store, request.query),
  );

  app.get(
    '/notifications/:id',
    {
      schema: {
        tags,
        summary: 'One notification: the message as rendered and its delivery state',
        params: idParams,
        response: { 200: notification, ...errors },
      },
    },
    async (request) => getNotification(authorize(deps.db, request, 'notifications:read').store, request.params.id),
  );

  app.get(
    '/notification-templates',
    {
      schema: {
        tags,
        summary: "Templates per language (built-in or the tenant's override) and the variables they may use",
        response: { 200: templateList, ...errors },
      },
    },
    async (request) => listTemplates(authorize(deps.db, request, 'notifications:read').store),
  );

  app.get(
    '/notification-templates/:template/:language',
    {
      schema: {
        tags,
        summary: 'The template used for a language',
        params: templateParams,
        response: { 200: template, ...errors },
      },
    },
    async (request, reply) => {
      const template = await effectiveTemplate(
        authorize(deps.db, request, 'notifications:read').store,
        request.params.template,
        request.params.language,
      );
      if (!template)
        throw new AppError('NOT_FOUND', `no template ${request.params.template} in ${request.params.language}`);
      if (template.version !== null) etag(reply, template.version);
      return template;
    },
  );

  app.put(
    '/notification-templates/:template/:language',
    {
      schema: {
        tags,
        summary: 'Override a template in one language (unknown variables → 422 naming the field; If-Match honoured)',
        params: templateParams,
        body: templateBody,
        response: { 200: template, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'notifications:write');
      const expected = ifMatch(request);
      const effectiveTemplate = await putTemplateOverride(
        ctx.store,
        request.params.template,
        request.params.language,
        request.body,
        expected,
        deps.clock.now(),
      );
      etag(reply, effectiveTemplate.version!);
      return effectiveTemplate;
    },
  );

  app.delete(
    '/notification-templates/:template/:language',
    {
      schema: {
        tags,
        summary: 'Remove an override: the built-in template applies again',
        params: templateParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'notifications:write');
      if (!(await deleteTemplateOverride(ctx.store, request.params.template, request.params.language))) {
        throw new AppError('NOT_FOUND', `no override of ${request.params.template} in ${request.params.language}`);
      }
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/notification-templates/:template/preview',
    {
      schema: {
        tags,
        summary: 'Render a template (saved, or a draft) for an order; nothing is sent or stored',
        params: z.object({ template: templateName }),
        body: previewBody,
        response: { 200: preview, ...errors },
      },
    },
    async (request) =>
      previewNotification(
        authorize(deps.db, request, 'notifications:read').store,
        request.params.template,
        request.body,
        deps.config?.http.publicUrl,
      ),
  );

  app.get(
    '/notification-settings',
    {
      schema: {
        tags,
        summary: 'Templates switched off and recipients of staff notifications',
        response: { 200: settings, ...errors },
      },
    },
    async (request, reply) => {
      const notificationSettings = await getNotificationSettings(
        authorize(deps.db, request, 'notifications:read').store,
      );
      etag(reply, notificationSettings.version);
      return notificationSettings;
    },
  );

  app.put(
    '/notification-settings',
    {
      schema: {
        tags,
        summary: 'Replace the notification settings (If-Match honoured)',
        body: settingsBody,
        response: { 200: settings, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'notifications:write');
      const expected = ifMatch(request);
      const notificationSettings = await putNotificationSettings(ctx.store, request.body, expected, deps.clock.now());
      etag(reply, notificationSettings.version);
      return notificationSettings;
    },
  );
}
