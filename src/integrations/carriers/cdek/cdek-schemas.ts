/** CDEK v2 bodies (cdek-api-v2 / cdek-auth / cdek-webhooks OpenAPI), the fields we use. */
import { z } from 'zod';

export const cdekMessage = z.object({ code: z.string(), message: z.string(), additional_code: z.string().optional() });

export const cdekRequestInfo = z.object({
  request_uuid: z.string().optional(),
  type: z.string(),
  state: z.string(),
  date_time: z.string().optional(),
  errors: z.array(cdekMessage).optional(),
  warnings: z.array(cdekMessage).optional(),
});

export const cdekToken = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().int().positive(),
});

export const cdekEntityResponse = z.object({
  entity: z.object({ uuid: z.string() }).optional(),
  requests: z.array(cdekRequestInfo),
});

export const cdekOrderStatus = z.object({
  code: z.string(),
  name: z.string().optional(),
  date_time: z.string(),
  city: z.string().optional(),
  deleted: z.boolean().optional(),
});

export const cdekOrderResponse = z.object({
  entity: z.object({
    uuid: z.string(),
    cdek_number: z.union([z.string(), z.number()]).transform(String).optional(),
    number: z.string().optional(),
    is_client_return: z.boolean().optional(),
    statuses: z.array(cdekOrderStatus),
  }),
  requests: z.array(cdekRequestInfo),
});
export type CdekOrder = z.infer<typeof cdekOrderResponse>;

export const cdekBarcodeResponse = z.object({
  entity: z.object({
    uuid: z.string(),
    url: z.string().optional(),
    statuses: z.array(z.object({ code: z.string(), name: z.string().optional(), date_time: z.string() })),
  }),
  requests: z.array(cdekRequestInfo).optional(),
});

/** 400 bodies are either SimplifiedResponseDto `{errors}` or carry errors inside `requests`. */
export const cdekErrorBody = z
  .object({
    errors: z.array(cdekMessage),
    requests: z.array(cdekRequestInfo),
    error: z.string(),
    error_description: z.string(),
  })
  .partial();

export const cdekWebhook = z.object({
  type: z.string(),
  date_time: z.string(),
  uuid: z.string(),
  attributes: z.record(z.string(), z.unknown()),
});

export const cdekOrderStatusAttributes = z.object({
  code: z.string(),
  status_date_time: z.string(),
  cdek_number: z.union([z.string(), z.number()]).transform(String).optional(),
  number: z.string().optional(),
  city_name: z.string().optional(),
  deleted: z.boolean().optional(),
});
