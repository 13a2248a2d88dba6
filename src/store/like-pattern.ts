/**
 * A lower-case LIKE pattern for "holds this needle": the needle lower-cased, its wildcards (`%`,
 * `_`) and the escape character escaped, wrapped in `%`. Compare it with `lower(column) like …`
 * (PostgreSQL's default escape is the backslash).
 */
export const likePattern = (needle: string) => `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
