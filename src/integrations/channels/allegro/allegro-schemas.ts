/**
 * Allegro REST API payloads (https://developer.allegro.pl/documentation, "Order management"
 * and "Offer management"), as zod schemas: permissive about fields Ordo does not read
 * (`.passthrough()`, optional where the spec says optional or where newer API versions added
 * them, e.g. `revision`, `marketplace`, `delivery.time.dispatch`), strict about the fields the
 * connector maps. Money is `{amount: "123.45", currency: "PLN"}` with the amount a string.
 */
import { z } from 'zod';

export const allegroPrice = z.object({ amount: z.string(), currency: z.string() }).passthrough();
export type AllegroPrice = z.infer<typeof allegroPrice>;

const nullableText = z.string().nullish();

export const allegroOrderEvent = z
  .object({
    id: z.string(),
    type: z.string(),
    occurredAt: z.string(),
    order: z
      .object({
        checkoutForm: z.object({ id: z.string(), revision: nullableText }).passthrough().nullish(),
      })
      .passthrough(),
  })
  .passthrough();
export type AllegroOrderEvent = z.infer<typeof allegroOrderEvent>;

/** The page is read loosely (each event checked on its own), so one bad event does not sink the page. */
export const allegroOrderEvents = z.object({ events: z.array(z.unknown()) }).passthrough();

const address = z
  .object({
    firstName: nullableText,
    lastName: nullableText,
    street: nullableText,
    city: nullableText,
    zipCode: nullableText,
    postCode: nullableText,
    countryCode: nullableText,
    companyName: nullableText,
    phoneNumber: nullableText,
  })
  .passthrough();

const payment = z
  .object({
    id: z.string(),
    type: z.string(),
    provider: nullableText,
    finishedAt: nullableText,
    paidAmount: allegroPrice.nullish(),
  })
  .passthrough();
export type AllegroPayment = z.infer<typeof payment>;

export const allegroLineItem = z
  .object({
    id: z.string(),
    offer: z
      .object({
        id: z.string(),
        name: z.string(),
        external: z.object({ id: nullableText }).passthrough().nullish(),
      })
      .passthrough(),
    quantity: z.number().int().positive(),
    originalPrice: allegroPrice.nullish(),
    price: allegroPrice,
    selectedAdditionalServices: z
      .array(
        z
          .object({
            definitionId: z.string(),
            name: nullableText,
            price: allegroPrice,
            quantity: z.number().int().positive(),
          })
          .passthrough(),
      )
      .nullish(),
    boughtAt: nullableText,
    tax: z.object({ rate: nullableText }).passthrough().nullish(),
  })
  .passthrough();
export type AllegroLineItem = z.infer<typeof allegroLineItem>;

const timeWindow = z.object({ from: nullableText, to: nullableText }).passthrough();

export const allegroCheckoutForm = z
  .object({
    id: z.string(),
    revision: nullableText,
    messageToSeller: nullableText,
    buyer: z
      .object({
        id: z.string(),
        email: z.string(),
        login: z.string(),
        firstName: nullableText,
        lastName: nullableText,
        companyName: nullableText,
        guest: z.boolean(),
        phoneNumber: nullableText,
      })
      .passthrough(),
    payment: payment.nullish(),
    status: z.string(),
    fulfillment: z.object({ status: nullableText }).passthrough().nullish(),
    delivery: z
      .object({
        address: address.nullish(),
        method: z.object({ id: nullableText, name: nullableText }).passthrough().nullish(),
        pickupPoint: z
          .object({
            id: z.string(),
            name: nullableText,
            description: nullableText,
            address: z
              .object({ street: nullableText, zipCode: nullableText, city: nullableText, countryCode: nullableText })
              .passthrough()
              .nullish(),
          })
          .passthrough()
          .nullish(),
        cost: allegroPrice.nullish(),
        time: z
          .object({
            from: nullableText,
            to: nullableText,
            guaranteed: timeWindow.nullish(),
            dispatch: timeWindow.nullish(),
          })
          .passthrough()
          .nullish(),
        smart: z.boolean().nullish(),
      })
      .passthrough()
      .nullish(),
    invoice: z
      .object({
        required: z.boolean(),
        address: z
          .object({
            street: nullableText,
            city: nullableText,
            zipCode: nullableText,
            countryCode: nullableText,
            company: z.object({ name: nullableText, taxId: nullableText }).passthrough().nullish(),
            naturalPerson: z.object({ firstName: nullableText, lastName: nullableText }).passthrough().nullish(),
          })
          .passthrough()
          .nullish(),
      })
      .passthrough()
      .nullish(),
    lineItems: z.array(allegroLineItem).min(1),
    surcharges: z.array(payment).nullish(),
    discounts: z.array(z.object({ type: z.string() }).passthrough()).nullish(),
    summary: z.object({ totalToPay: allegroPrice }).passthrough(),
    marketplace: z.object({ id: z.string() }).passthrough().nullish(),
    updatedAt: nullableText,
  })
  .passthrough();
export type AllegroCheckoutForm = z.infer<typeof allegroCheckoutForm>;

/** `{errors: [{code, message, userMessage, path, details}]}`; OAuth failures use `{error, error_description}`. */
export const allegroErrors = z
  .object({
    errors: z
      .array(
        z
          .object({ code: nullableText, message: nullableText, userMessage: nullableText, path: nullableText })
          .passthrough(),
      )
      .optional(),
    error: z.string().optional(),
    error_description: z.string().optional(),
  })
  .passthrough();

export const allegroMe = z.object({ id: z.string(), login: z.string() }).passthrough();

/** PUT /sale/offer-quantity-change-commands/{id} answer: the command's GeneralReport. */
export const allegroCommandReport = z
  .object({
    id: z.string(),
    taskCount: z.object({ total: z.number(), success: z.number(), failed: z.number() }).passthrough().nullish(),
  })
  .passthrough();

/** GET /sale/offer-quantity-change-commands/{id}/tasks: one task per offer, status NEW, SUCCESS or FAIL. */
export const allegroCommandTasks = z
  .object({
    tasks: z.array(
      z
        .object({
          offer: z.object({ id: z.string() }).passthrough(),
          status: z.string(),
          message: nullableText,
          errors: z.array(z.object({ message: nullableText, userMessage: nullableText }).passthrough()).nullish(),
        })
        .passthrough(),
    ),
  })
  .passthrough();
