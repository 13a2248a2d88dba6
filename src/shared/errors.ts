/**
 * The error-code catalogue. Codes are stable: clients switch on them.
 * Expected business outcomes carry a code and data; the HTTP mapping lives in api/problem.ts.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported content type' },
  BAD_URL: { status: 400, title: 'The URL is not valid' },
  URI_TOO_LONG: { status: 414, title: 'A path segment is too long' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  FORBIDDEN: { status: 403, title: 'Your role does not allow this' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  DUPLICATE_ORDER: { status: 409, title: 'An order with this channel and external id exists' },
  ALREADY_EXISTS: { status: 409, title: 'A resource with this key exists' },
  CONFLICT: { status: 409, title: 'The resource changed' },
  VERSION_MISMATCH: { status: 412, title: 'The resource was changed by someone else' },
  PRECONDITION_REQUIRED: { status: 428, title: 'If-Match is required' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  UNKNOWN_CHANNEL: { status: 422, title: 'Unknown channel' },
  UNKNOWN_CUSTOMER: { status: 422, title: 'Unknown customer' },
  UNKNOWN_SKU: { status: 422, title: 'Unknown SKU' },
  UNKNOWN_CURRENCY: { status: 422, title: 'Unknown currency' },
  CHANNEL_INACTIVE: { status: 422, title: 'The channel does not accept orders' },
  IN_USE: { status: 409, title: 'The resource is referenced and cannot be deleted' },
  // prices and minimum order rules (issue 17)
  NO_PRICE: { status: 422, title: 'No price list gives the line a price' },
  PRICE_BELOW_FLOOR: { status: 422, title: 'A price is below its floor' },
  MIN_ORDER_NOT_MET: { status: 422, title: 'The order breaks a minimum order rule' },
  // inventory codes (issue 3)
  UNKNOWN_LOCATION: { status: 422, title: 'Unknown location' },
  STOCK_CONFLICT: { status: 409, title: 'The stock figures changed since you read them' },
  STOCK_BELOW_RESERVED: { status: 409, title: 'On hand cannot drop below the reserved quantity' },
  INSUFFICIENT_STOCK: { status: 409, title: 'Not enough stock' },
  NOT_RESERVED: { status: 409, title: 'The quantity is not reserved for this order line' },
  SYNC_ID_REUSED: { status: 422, title: 'The sync id was used with different rows' },
  SERIALS_REQUIRED: { status: 422, title: 'Serial numbers are required for this SKU' },
  LOT_REQUIRED: { status: 422, title: 'A lot is required for this SKU' },
  SERIAL_UNAVAILABLE: { status: 409, title: 'A serial number is not in stock here' },
  LOT_UNAVAILABLE: { status: 409, title: 'Not enough unexpired stock in the lots' },
  // process codes (issue 4)
  TRANSITION_NOT_ALLOWED: { status: 409, title: "The order's process does not allow this event now" },
  EVENT_NOT_MANUAL: {
    status: 403,
    title:
      'A system, carrier, payment, timer or integration raises this event, not a person (a manual override needs orders:override and a reason)',
  },
  REASON_REQUIRED: { status: 422, title: 'Say why: this action needs a reason' },
  PROCESS_DEFINITION_INVALID: { status: 422, title: 'The process definition has problems' },
  PROCESS_NOT_FOUND: { status: 404, title: 'No such process definition or version' },
  PROCESS_NOT_SELECTED: { status: 422, title: 'No process rule matches the order' },
  MIGRATION_BLOCKED: { status: 422, title: 'The order cannot be migrated to that version' },
  TASK_NOT_OPEN: { status: 409, title: 'The task is not open' },
  NO_OPEN_TASK: { status: 409, title: 'The order has no open task for this' },
  // sourcing codes (issue 5)
  ROUTING_STRATEGY_INVALID: { status: 422, title: 'The routing strategy is not valid' },
  RATE_TABLE_INVALID: { status: 422, title: 'The rate table has invalid rows' },
  ROUTING_EXCEPTION: { status: 422, title: 'No location can fulfil the order under the routing strategy' },
  // fulfilment, carrier and document codes (issue 6)
  DOCUMENT_INPUT_INVALID: { status: 422, title: 'The document data is not valid' },
  SSCC_INVALID: { status: 422, title: 'The SSCC is not valid' },
  CARRIER_REJECTED: { status: 422, title: 'The carrier rejected the request' },
  CARRIER_AUTH_FAILED: { status: 502, title: 'The carrier refused our credentials' },
  CARRIER_NOT_FOUND: { status: 422, title: 'The carrier does not know this shipment' },
  CARRIER_UNAVAILABLE: { status: 503, title: 'The carrier is unavailable' },
  CARRIER_TIMEOUT: { status: 504, title: 'The carrier did not answer in time' },
  CARRIER_BAD_RESPONSE: { status: 502, title: 'The carrier answered with an unexpected response' },
  CARRIER_UNSUPPORTED: { status: 422, title: 'The carrier does not offer this' },
  SHIPMENT_CANCELLED: { status: 409, title: 'The shipment is cancelled' },
  NOTIFICATION_TEMPLATE_INVALID: { status: 422, title: 'The notification template is not valid' },
  FULFILMENT_TRANSITION_NOT_ALLOWED: {
    status: 409,
    title: 'The fulfilment order cannot make this move from its state',
  },
  SHIPMENT_STATE_CONFLICT: { status: 409, title: 'The shipment cannot do this in its status' },
  SHIPMENT_ALREADY_HANDED_OVER: { status: 409, title: 'The parcel has left with the carrier' },
  PARTIAL_SHIPMENT_NOT_ALLOWED: { status: 409, title: 'The order does not allow partial shipments' },
  UNKNOWN_CARRIER: { status: 422, title: 'The carrier is not configured' },
  // event and webhook codes (issue 8)
  WEBHOOK_URL_REFUSED: { status: 422, title: 'The webhook endpoint URL is not allowed' },
  UNKNOWN_EVENT_TYPE: { status: 422, title: 'Unknown event type' },
  EVENT_PAYLOAD_INVALID: { status: 422, title: 'The event payload does not match its schema' },
  EVENT_PAYLOAD_TOO_LARGE: { status: 413, title: 'The event payload is too large' },
  SIGNATURE_INVALID: { status: 401, title: 'The webhook signature is not valid' },
  SUBSCRIPTION_PAUSED: { status: 409, title: 'The webhook subscription is paused' },
  UNKNOWN_PAYMENT_PROVIDER: { status: 422, title: 'The payment provider is not configured' },
  UNKNOWN_PAYMENT: { status: 422, title: 'No payment is known for this notification' },
  PAYMENT_STATE_CONFLICT: { status: 409, title: 'The payment cannot do this in its status' },
  CAPTURE_EXCEEDS_AUTHORIZED: { status: 422, title: 'The capture is larger than what is authorised and not captured' },
  REFUND_EXCEEDS_CAPTURED: { status: 422, title: 'The refund is larger than what was captured and not refunded' },
  OVERPAYMENT_NOT_ALLOWED: { status: 422, title: 'The payment would take more than the order total' },
  PROVIDER_REJECTED: { status: 422, title: 'The payment provider refused the request' },
  PROVIDER_AUTH_FAILED: { status: 502, title: 'The payment provider refused our credentials' },
  PROVIDER_NOT_FOUND: { status: 422, title: 'The payment provider does not know this payment' },
  PROVIDER_UNAVAILABLE: { status: 503, title: 'The payment provider is unavailable' },
  PROVIDER_TIMEOUT: { status: 504, title: 'The payment provider did not answer in time' },
  PROVIDER_BAD_RESPONSE: { status: 502, title: 'The payment provider answered with an unexpected response' },
  PROVIDER_UNSUPPORTED: { status: 422, title: 'The payment provider does not offer this' },
  SELLER_NOT_CONFIGURED: { status: 422, title: 'No seller is set up to issue invoices' },
  INVOICE_NOT_ALLOWED: { status: 409, title: 'The order cannot be invoiced now' },
  CREDIT_NOTE_EXCEEDS_INVOICE: { status: 422, title: 'The credit note is larger than what is left of its invoice' },
  CREDIT_HOLD_CONFLICT: { status: 409, title: 'The company is already on hold, or not on hold' },
  REMITTANCE_INVALID: { status: 422, title: 'The remittance report has invalid rows' },
  // returns codes (issue 15)
  RETURN_NOT_ALLOWED: { status: 422, title: 'A return cannot be requested on this order' },
  RETURN_LINE_NOT_ON_ORDER: { status: 422, title: 'The line is not a line of this order' },
  RETURN_EXCEEDS_DELIVERED: { status: 422, title: 'More units than were delivered and not already returned' },
  RETURN_NOT_RETURNABLE: { status: 422, title: 'The item cannot be returned' },
  RETURN_NOT_ELIGIBLE: { status: 422, title: 'The return is not eligible under the returns rules' },
  UNKNOWN_RETURN_REASON: { status: 422, title: 'Unknown return reason' },
  RETURN_STATE_CONFLICT: { status: 409, title: 'The return cannot do this in its state' },
  RECEIPT_EXCEEDS_RETURN: { status: 422, title: 'More units received or inspected than the return expects' },
  INVALID_AMOUNT: { status: 422, title: 'The amount is not valid in this currency' },
  // order changes after placement (issue 15)
  ORDER_CHANGE_INVALID: { status: 422, title: 'The order change has actions that cannot apply' },
  ORDER_CHANGE_LINE_SHIPPED: { status: 409, title: 'The line is shipped, picked or packed and cannot change' },
  ORDER_CHANGE_BELOW_FULFILLED: { status: 409, title: 'The quantity is below what is shipped, picked or packed' },
  ORDER_CHANGE_NOT_OPEN: { status: 409, title: 'The order change is not a draft any more' },
  ORDER_CHANGE_ALREADY_OPEN: { status: 409, title: 'The order has a draft change: confirm or discard it first' },
  ORDER_CHANGE_STALE: { status: 409, title: 'The order changed since the preview: preview again' },
  ORDER_CHANGE_NOT_ALLOWED: { status: 409, title: 'The order can no longer be changed' },
  // EDI and import by format (issue 17)
  EDI_REJECTED: { status: 422, title: 'The EDI interchange or document was rejected' },
  EDI_UNKNOWN_PARTNER: { status: 422, title: 'The sender is not an EDI partner of this tenant' },
  IMPORT_FORMAT_UNKNOWN: { status: 415, title: 'The file is in no format Ordo imports' },
  IMPORT_FORMAT_UNSUPPORTED: { status: 422, title: 'Ordo recognises this format but does not import it yet' },
  // company depth: business roles, company members, budgets (issue 17, item 5)
  TASK_ROLE_REQUIRED: { status: 403, title: 'The task is for a business role you do not hold' },
  TASK_MEMBER_REQUIRED: { status: 403, title: "The task is for an approver of the order's company" },
  ASSIGNEE_ROLE_REQUIRED: { status: 403, title: 'The person does not hold the business role the task is for' },
  TASK_SECOND_APPROVER_REQUIRED: { status: 403, title: 'A second step of an approval needs another approver' },
  EMAIL_TAKEN: { status: 409, title: 'A user with this email exists' },
  LAST_ADMIN: { status: 409, title: 'The last active admin cannot lose the admin role' },
  UNKNOWN_COMPANY_MEMBER: { status: 422, title: 'Unknown or inactive company member' },
  BUDGET_CONFLICT: { status: 409, title: 'A budget for this cost centre and period exists' },
  // subscriptions (issue 17)
  SUBSCRIPTION_STATE_CONFLICT: { status: 409, title: 'The subscription cannot do this in its state' },
  SUBSCRIPTION_NOT_AN_OCCURRENCE: { status: 422, title: 'The date is not an upcoming cycle of the subscription' },
  // quotes (issue 17)
  QUOTE_EXPIRED: { status: 409, title: 'The quote is no longer valid (validUntil has passed)' },
  // data-subject requests (issue 20, docs/privacy.md)
  PRIVACY_OPEN_ORDERS: { status: 409, title: 'The person has open orders: erasure needs force and a reason' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  // tenants as a product (issue 20, docs/tenants.md)
  TENANT_SUSPENDED: { status: 403, title: 'The tenant is suspended' },
  TENANT_DELETED: { status: 403, title: 'The tenant was deleted' },
  TENANT_NOT_DELETED: { status: 409, title: 'Only a deleted tenant can be erased' },
  PLATFORM_ONLY: { status: 403, title: 'Only a platform operator key reaches this route' },
  ORDERS_PER_DAY_REACHED: { status: 429, title: "The tenant's orders per day are used up" },
  STORAGE_LIMIT_REACHED: { status: 429, title: "The tenant's storage limit is reached" },
  // console live updates and printing (issue 18, docs/console.md)
  LIVE_STREAMS_LIMIT_REACHED: { status: 429, title: "The tenant's open live streams are at their limit" },
  NOTHING_TO_PRINT: { status: 409, title: 'There is nothing to print for this yet' },
  INTERNAL: { status: 500, title: 'Internal error' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  // PostgreSQL failover (issue 20): the primary went away mid-request or none answers yet; retry
  DATABASE_UNAVAILABLE: { status: 503, title: 'The database is unavailable (failing over); retry shortly' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** JSON pointer-like path of the field at fault, e.g. "/lines/2/quantity". */
  path: string;
  message: string;
  code?: string;
}

/** An expected failure with a stable code. Bugs and infrastructure failures are plain Errors. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly errors: FieldError[] = [],
    readonly data: Record<string, unknown> = {},
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
