/**
 * The first three issues of a failed zod parse, each with its path: what a channel's, carrier's,
 * payment provider's or KSeF's "unexpected response" error (or an unreadable order's reason) names.
 */
export function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
