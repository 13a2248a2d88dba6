/**
 * The layers of Ordo, checked in CI (`npm run lint:layers`). Arrows point inwards:
 *   cli, worker, api, compose  →  app  →  domain, process, store  →  shared
 * Routes and the CLI run no queries (no kysely; routes take only types from the store), and the
 * store takes only types from domain. Type-only imports count in cycles too.
 * Test files and test fixtures are exempt (they wire whole capabilities together on purpose).
 */
const notTest = '\\.test\\.ts$|/test-fixtures\\.ts$|/testing/';
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'an import cycle ties capabilities together: inject a port instead',
      from: { pathNot: notTest },
      to: { circular: true },
    },
    {
      name: 'app-not-to-entry-points',
      severity: 'error',
      comment: 'use cases never reach into the API, the worker, the CLI or the composition root',
      from: { path: '^src/app/', pathNot: notTest },
      to: { path: '^src/(api|worker|cli)/|^src/compose\\.ts$' },
    },
    {
      name: 'domain-pure',
      severity: 'error',
      comment: 'domain holds pure decisions: it imports only shared and domain',
      from: { path: '^src/domain/', pathNot: notTest },
      to: { path: '^src/', pathNot: '^src/(domain|shared)/' },
    },
    {
      name: 'process-pure',
      severity: 'error',
      comment: 'the process engine imports only shared and domain (and itself)',
      from: { path: '^src/process/', pathNot: notTest },
      to: { path: '^src/', pathNot: '^src/(domain|shared|process)/' },
    },
    {
      name: 'shared-leaf',
      severity: 'error',
      comment: 'shared depends on nothing of ours',
      from: { path: '^src/shared/', pathNot: notTest },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'config-leaf',
      severity: 'error',
      comment:
        'src/config.ts and src/config/ (every setting, validated once) import only zod and shared, so any layer may take their types',
      from: { path: '^src/config(\\.ts$|/)' },
      to: { path: '^src/', pathNot: '^src/(shared/|config/|config\\.ts$)' },
    },
    {
      name: 'store-below-app',
      severity: 'error',
      comment: 'the store does not know the use cases above it',
      from: { path: '^src/store/', pathNot: notTest },
      to: { path: '^src/(app|api|worker|cli|integrations)/|^src/compose\\.ts$' },
    },
    {
      name: 'routes-no-queries',
      severity: 'error',
      comment:
        'a route holds schema, authorisation, the use-case call and the reply: queries and transactions belong to a use case in src/app',
      from: { path: '^src/api/routes/', pathNot: notTest },
      to: { path: '(^|/)node_modules/kysely/|^src/store/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cli-no-queries',
      severity: 'error',
      comment: 'the CLI parses arguments and calls use cases: queries belong in src/app',
      from: { path: '^src/cli/', pathNot: notTest },
      to: { path: '(^|/)node_modules/kysely/' },
    },
    {
      name: 'store-types-from-domain',
      severity: 'error',
      comment: "the store may name domain types (a column's states) but never runs domain code",
      from: { path: '^src/store/', pathNot: notTest },
      to: { path: '^src/domain/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(web|bench|test|clients|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
