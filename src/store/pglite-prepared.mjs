// Named statements on PGlite, as src/store/pipeline.ts gives them on PostgreSQL. PGlite's own
// query() parses, analyses and plans its text again on every call (an unnamed statement); a B2C
// order's large statements spent most of their PGlite time there. Here each parameterised text is
// parsed once under a name and afterwards only bound and executed, so PostgreSQL's plan cache
// keeps its plan (a generic one after five runs, when that costs no more). Plain JavaScript: the
// embedded database's thread (pglite-worker.mjs) imports it as it is, and so does src/store/db.ts
// for a PGlite in the main thread (the tests' memory databases).
import { parse, protocol } from '@electric-sql/pglite';

const { serialize } = protocol;

/**
 * Texts kept named; past it the least recently used one is closed. A B2C order and its lifecycle
 * use a few dozen; the console's filtered lists add more. Each holds its parse tree and plans in
 * PGlite's memory, which never shrinks, so the bound is lower than PostgreSQL's per connection.
 */
export const MAX_PREPARED = 500;

/** SQLSTATE 0A000 "cached plan must not change result type": a table under a named text changed. */
const PLAN_CHANGED = '0A000';

/**
 * Runs parameterised statements of one PGlite as named statements. Answers as PGlite's query()
 * does (rows parsed with the instance's parsers, affectedRows) and throws its DatabaseError.
 */
export class PreparedStatements {
  /** @param {import('@electric-sql/pglite').PGlite} pglite */
  constructor(pglite, max = MAX_PREPARED) {
    this.pglite = pglite;
    this.max = max;
    /** @type {Map<string, { name: string, types: number[] }>} */
    this.statements = new Map();
    this.next = 0;
  }

  /** How many texts are named now. */
  get size() {
    return this.statements.size;
  }

  async query(text, params = []) {
    if (params.length === 0) return this.pglite.query(text, params);
    return this.pglite.runExclusive(async () => {
      try {
        return await this.run(text, params);
      } catch (error) {
        if (error?.code !== PLAN_CHANGED) throw error;
        // The named text no longer fits its tables (a migration added a column under `select *`):
        // name it again. Run again only outside a transaction block, where the failed call did nothing.
        await this.forget(text);
        if (this.pglite.isInTransaction()) throw error;
        return this.run(text, params);
      }
    });
  }

  async run(text, params) {
    let statement = this.statements.get(text);
    if (statement) {
      // most recently used last: the map's first entry is the one to close when full
      this.statements.delete(text);
      this.statements.set(text, statement);
    } else {
      const name = `ordo_${this.next++}`;
      const parts = [serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()];
      if (this.statements.size >= this.max) {
        const [oldest, { name: closed }] = this.statements.entries().next().value;
        this.statements.delete(oldest);
        parts.unshift(serialize.close({ type: 'S', name: closed }));
      }
      const described = await this.pglite.execProtocolStream(Buffer.concat(parts), { syncToFs: false });
      statement = { name, types: parse.parseDescribeStatementResults(described) };
      this.statements.set(text, statement);
    }
    const { serializers, parsers } = this.pglite;
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serialize = serializers[statement.types[i]];
      return serialize ? serialize(value) : value.toString();
    });
    const messages = await this.pglite.execProtocolStream(
      Buffer.concat([
        serialize.bind({ statement: statement.name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { syncToFs: true },
    );
    return parse.parseResults(messages, parsers)[0];
  }

  async forget(text) {
    const statement = this.statements.get(text);
    if (!statement) return;
    this.statements.delete(text);
    await this.pglite.execProtocolStream(
      Buffer.concat([serialize.close({ type: 'S', name: statement.name }), serialize.sync()]),
      { syncToFs: false },
    );
  }
}
