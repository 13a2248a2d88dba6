/**
 * What Ordo writes in Amazon's terms: carrier codes and package references of a shipment
 * confirmation, the seller cancel reasons and the OrderAcknowledgement feed that cancels.
 */
import { createHash } from 'node:crypto';
import type { Cancellation } from '../types.js';

/**
 * Seller cancellation reasons of the OrderAcknowledgement feed (`CancelReason`), as Amazon's
 * feed documentation lists them. Cancellation reason codes in Ordo's connections map to these.
 */
export const AMAZON_CANCEL_REASONS = [
  'NoInventory',
  'ShippingAddressUndeliverable',
  'CustomerExchange',
  'BuyerCanceled',
  'GeneralAdjustment',
  'CarrierCreditDecision',
  'RiskAssessmentInformationNotValid',
  'CarrierCoverageFailure',
  'CustomerReturn',
  'MerchandiseNotReceived',
  'CannotVerifyInformation',
  'PricingError',
  'RejectOrder',
  'WeatherDelay',
] as const;

/** Amazon `CarrierCode` values for Ordo carrier codes; anything else is `Other` with a carrierName. */
const CARRIER_CODES: Record<string, string> = {
  dhl: 'DHL',
  dhl_express: 'DHL',
  ups: 'UPS',
  fedex: 'FedEx',
  usps: 'USPS',
  dpd: 'DPD',
  gls: 'GLS',
  hermes: 'Hermes',
  royal_mail: 'Royal Mail',
  tnt: 'TNT',
  amazon_shipping: 'Amazon Shipping',
};

export function amazonCarrier(carrier: string): { carrierCode: string; carrierName?: string } {
  const code =
    CARRIER_CODES[
      carrier
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_')
    ];
  return code ? { carrierCode: code } : { carrierCode: 'Other', carrierName: carrier.trim() };
}

/**
 * `packageReferenceId` must be a positive number unique within the order: derived from the
 * tracking number so a retried confirmation names the same package.
 */
export function amazonPackageReference(trackingNumber: string): string {
  const digest = createHash('sha256').update(trackingNumber).digest('hex').slice(0, 12);
  return (BigInt(`0x${digest}`) + 1n).toString();
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function orderAcknowledgementFeed(sellerId: string, cancellation: Cancellation): string {
  const items = (cancellation.lines ?? [])
    .map(
      (line) =>
        `<Item><AmazonOrderItemCode>${escapeXml(line.externalLineId)}</AmazonOrderItemCode>` +
        `<CancelReason>${escapeXml(cancellation.reasonCode)}</CancelReason></Item>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">' +
    `<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>${escapeXml(sellerId)}</MerchantIdentifier></Header>` +
    '<MessageType>OrderAcknowledgement</MessageType>' +
    '<Message><MessageID>1</MessageID><OrderAcknowledgement>' +
    `<AmazonOrderID>${escapeXml(cancellation.externalId)}</AmazonOrderID>` +
    '<StatusCode>Failure</StatusCode>' +
    items +
    '</OrderAcknowledgement></Message></AmazonEnvelope>'
  );
}
