// Reference data commands' schemas belong to the use cases; the API validates with the same ones.
export * from '../../app/reference/schemas.js';
