import { ApiError } from '../api';

/** The per-field errors of a refusal (`errors[].path` → message), to show each next to its field. */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError)
    for (const e of error.problem.errors ?? []) out[e.path] = out[e.path] ? `${out[e.path]}; ${e.message}` : e.message;
  return out;
}

/** The message the server gave for one field (by its JSON pointer), right under that field. */
export function FieldError({ errors, path }: { errors: Record<string, string>; path: string | string[] }) {
  const paths = Array.isArray(path) ? path : [path];
  const text = paths
    .map((p) => errors[p])
    .filter(Boolean)
    .join('; ');
  if (!text) return null;
  return (
    <span className="field-error" role="alert" data-path={paths[0]}>
      {text}
    </span>
  );
}
