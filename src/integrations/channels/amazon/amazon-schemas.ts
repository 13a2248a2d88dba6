/**
 * Amazon Selling Partner API payloads as zod schemas: Orders v0 (ordersV0.json), the
 * ORDER_CHANGE notification (OrderChangeNotification.json), Login with Amazon tokens, Listings
 * Items 2021-08-01 answers, Feeds 2021-06-30 and Sellers v1. Permissive (`.passthrough()`,
 * optional where the model says optional), strict about the fields the connector maps.
 * Money is `{CurrencyCode, Amount}` with Amount a decimal string.
 */
import { z } from 'zod';

export const amazonMoney = z.object({ CurrencyCode: z.string(), Amount: z.string() }).passthrough();
export type AmazonMoney = z.infer<typeof amazonMoney>;

const text = z.string().nullish();

export const amazonAddress = z
  .object({
    Name: text,
    CompanyName: text,
    AddressLine1: text,
    AddressLine2: text,
    AddressLine3: text,
    City: text,
    County: text,
    District: text,
    StateOrRegion: text,
    PostalCode: text,
    CountryCode: text,
    Phone: text,
  })
  .passthrough();

export const amazonOrder = z
  .object({
    AmazonOrderId: z.string(),
    PurchaseDate: z.string(),
    LastUpdateDate: z.string(),
    OrderStatus: z.string(),
    FulfillmentChannel: text,
    SalesChannel: text,
    ShipServiceLevel: text,
    ShipmentServiceLevelCategory: text,
    OrderTotal: amazonMoney.nullish(),
    PaymentMethod: text,
    PaymentMethodDetails: z.array(z.string()).nullish(),
    PaymentExecutionDetail: z
      .array(z.object({ Payment: amazonMoney, PaymentMethod: z.string() }).passthrough())
      .nullish(),
    MarketplaceId: text,
    OrderType: text,
    LatestShipDate: text,
    LatestDeliveryDate: text,
    IsBusinessOrder: z.boolean().nullish(),
    IsPrime: z.boolean().nullish(),
    IsPremiumOrder: z.boolean().nullish(),
    IsReplacementOrder: z.union([z.boolean(), z.string()]).nullish(),
    IsAccessPointOrder: z.boolean().nullish(),
    IsISPU: z.boolean().nullish(),
    FulfillmentInstruction: z.object({ FulfillmentSupplySourceId: text }).passthrough().nullish(),
    ShippingAddress: amazonAddress.nullish(),
    BuyerInfo: z.object({ BuyerEmail: text, BuyerName: text }).passthrough().nullish(),
  })
  .passthrough();
export type AmazonOrder = z.infer<typeof amazonOrder>;

/** The list is read loosely (each order checked on its own), so one bad order does not sink the page. */
export const amazonOrdersResponse = z
  .object({
    payload: z.object({ Orders: z.array(z.unknown()), NextToken: text }).passthrough(),
  })
  .passthrough();

export const amazonOrderItem = z
  .object({
    ASIN: z.string(),
    OrderItemId: z.string(),
    SellerSKU: text,
    Title: text,
    QuantityOrdered: z.number().int().nonnegative(),
    ItemPrice: amazonMoney.nullish(),
    ItemTax: amazonMoney.nullish(),
    ShippingPrice: amazonMoney.nullish(),
    ShippingTax: amazonMoney.nullish(),
    ShippingDiscount: amazonMoney.nullish(),
    PromotionDiscount: amazonMoney.nullish(),
    PromotionIds: z.array(z.string()).nullish(),
    IsGift: z.union([z.boolean(), z.string()]).nullish(),
    ConditionId: text,
    BuyerRequestedCancel: z
      .object({ IsBuyerRequestedCancel: z.union([z.string(), z.boolean()]).nullish(), BuyerCancelReason: text })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export type AmazonOrderItem = z.infer<typeof amazonOrderItem>;

export const amazonOrderItemsResponse = z
  .object({
    payload: z.object({ AmazonOrderId: z.string(), OrderItems: z.array(z.unknown()), NextToken: text }).passthrough(),
  })
  .passthrough();

export const amazonErrors = z
  .object({
    errors: z.array(z.object({ code: z.string(), message: z.string(), details: text }).passthrough()).optional(),
    error: z.string().optional(),
    error_description: z.string().optional(),
  })
  .passthrough();

export const lwaToken = z
  .object({ access_token: z.string(), token_type: z.string().optional(), expires_in: z.number().optional() })
  .passthrough();

export const amazonParticipations = z
  .object({
    payload: z.array(
      z
        .object({
          marketplace: z.object({ id: z.string(), name: text, countryCode: text }).passthrough(),
          participation: z.object({ isParticipating: z.boolean() }).passthrough().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/** Listings Items PATCH answer: ACCEPTED or INVALID with issues. */
export const amazonListingsSubmission = z
  .object({
    sku: z.string(),
    status: z.string(),
    submissionId: z.string().optional(),
    issues: z
      .array(z.object({ code: z.string(), message: z.string(), severity: z.string().optional() }).passthrough())
      .optional(),
  })
  .passthrough();

export const amazonFeedDocument = z.object({ feedDocumentId: z.string(), url: z.string() }).passthrough();
export const amazonFeed = z.object({ feedId: z.string() }).passthrough();

/** ORDER_CHANGE, as delivered through SQS/EventBridge (OrderChangeNotification.json). */
export const amazonOrderChangeNotification = z
  .object({
    NotificationVersion: z.string(),
    NotificationType: z.string(),
    PayloadVersion: z.string(),
    EventTime: z.string(),
    Payload: z
      .object({
        OrderChangeNotification: z
          .object({
            NotificationLevel: z.string(),
            SellerId: z.string(),
            AmazonOrderId: z.string(),
            OrderChangeType: z.string(),
            OrderChangeTrigger: z.object({ TimeOfOrderChange: text, ChangeReason: z.string() }).passthrough(),
            Summary: z
              .object({
                MarketplaceId: text,
                OrderStatus: text,
                FulfillmentType: text,
                OrderItems: z
                  .array(
                    z
                      .object({
                        OrderItemId: z.string(),
                        SellerSKU: text,
                        IsBuyerRequestedCancel: z.boolean().nullish(),
                      })
                      .passthrough(),
                  )
                  .nullish(),
              })
              .passthrough(),
          })
          .passthrough(),
      })
      .passthrough(),
    NotificationMetadata: z.object({ NotificationId: z.string() }).passthrough(),
  })
  .passthrough();
export type AmazonOrderChangeNotification = z.infer<typeof amazonOrderChangeNotification>;
