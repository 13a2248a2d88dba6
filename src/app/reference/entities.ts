import type { z } from 'zod';
import { channelInput, companyInput, customerInput, locationInput, productInput } from './schemas.js';

/** How an API field maps to its column: plain value, JSON document, or a numeric column read back as a number. */
type Kind = 'plain' | 'json' | 'numeric';
export interface RefEntity {
  /** URL segment and table name */
  table: 'channels' | 'products' | 'customers' | 'companies' | 'locations';
  entity: string;
  /** The business key, unique per tenant (code or sku). */
  key: 'code' | 'sku';
  input: z.ZodObject;
  fields: Record<string, [column: string, kind: Kind]>;
  /** Columns searched by ?q= */
  search: string[];
  /** Columns filterable by equality from the query string (API field names). */
  filters: string[];
}

export const REFERENCE_ENTITIES: RefEntity[] = [
  {
    table: 'channels',
    entity: 'channel',
    key: 'code',
    input: channelInput,
    search: ['code', 'name'],
    filters: ['kind', 'active'],
    fields: {
      code: ['code', 'plain'],
      name: ['name', 'plain'],
      kind: ['kind', 'plain'],
      processKey: ['process_key', 'plain'],
      priceList: ['price_list', 'plain'],
      currency: ['currency', 'plain'],
      active: ['active', 'plain'],
      settings: ['settings', 'json'],
    },
  },
  {
    table: 'products',
    entity: 'product',
    key: 'sku',
    input: productInput,
    search: ['sku', 'name'],
    filters: ['active'],
    fields: {
      sku: ['sku', 'plain'],
      name: ['name', 'plain'],
      unit: ['unit', 'plain'],
      weightG: ['weight_g', 'plain'],
      dimensions: ['dimensions', 'json'],
      attributes: ['attributes', 'json'],
      serialTracked: ['serial_tracked', 'plain'],
      lotTracked: ['lot_tracked', 'plain'],
      active: ['active', 'plain'],
      minOrderQuantity: ['min_order_quantity', 'plain'],
      orderMultiple: ['order_multiple', 'plain'],
    },
  },
  {
    table: 'companies',
    entity: 'company',
    key: 'code',
    input: companyInput,
    search: ['code', 'name', 'tax_id'],
    filters: ['segment'],
    fields: {
      code: ['code', 'plain'],
      name: ['name', 'plain'],
      taxId: ['tax_id', 'plain'],
      segment: ['segment', 'plain'],
      terms: ['terms', 'json'],
      addresses: ['addresses', 'json'],
      contacts: ['contacts', 'json'],
    },
  },
  {
    table: 'customers',
    entity: 'customer',
    key: 'code',
    input: customerInput,
    search: ['code', 'name', 'email'],
    filters: ['segment', 'companyId'],
    fields: {
      code: ['code', 'plain'],
      name: ['name', 'plain'],
      email: ['email', 'plain'],
      phone: ['phone', 'plain'],
      segment: ['segment', 'plain'],
      companyId: ['company_id', 'plain'],
      locale: ['locale', 'plain'],
      addresses: ['addresses', 'json'],
      contacts: ['contacts', 'json'],
      attributes: ['attributes', 'json'],
    },
  },
  {
    table: 'locations',
    entity: 'location',
    key: 'code',
    input: locationInput,
    search: ['code', 'name'],
    filters: ['kind', 'country', 'active'],
    fields: {
      code: ['code', 'plain'],
      name: ['name', 'plain'],
      kind: ['kind', 'plain'],
      address: ['address', 'json'],
      country: ['country', 'plain'],
      latitude: ['latitude', 'numeric'],
      longitude: ['longitude', 'numeric'],
      capabilities: ['capabilities', 'plain'],
      priority: ['priority', 'plain'],
      dailyCapacity: ['daily_capacity', 'plain'],
      timezone: ['timezone', 'plain'],
      active: ['active', 'plain'],
    },
  },
];
