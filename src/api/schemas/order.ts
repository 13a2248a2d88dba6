// The order commands' schemas belong to the use cases; the API validates with the same ones.
export * from '../../app/orders/schemas.js';
