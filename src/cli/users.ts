import type { Db } from '../store/db.js';
import { scope } from '../store/tenant-scope.js';
import { systemClock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { isRole } from '../domain/identity/roles.js';
import { createUser, listUsers, updateUser, userInput, userPatch } from '../app/identity/users.js';

export const USERS_USAGE = `usage: ordo users list [--tenant demo]
       ordo users add --email E --name N --roles operator[,viewer] [--business-roles finance,…] [--time-zone Europe/Warsaw] [--password P] [--tenant demo]
                      (no --password: prints a one-time invitation token)
       ordo users set-roles EMAIL --roles admin,operator [--business-roles finance,…] [--tenant demo]
       ordo users set-time-zone EMAIL Europe/Warsaw|browser [--tenant demo]
                      (browser: the console uses the browser's zone again)
       ordo users deactivate EMAIL [--tenant demo]`;

export interface UsersCommandOptions {
  email?: string | undefined;
  name?: string | undefined;
  roles?: string | undefined;
  'business-roles'?: string | undefined;
  password?: string | undefined;
  'time-zone'?: string | undefined;
}

const invalid = (issues: Array<{ path: PropertyKey[]; message: string }>) => {
  for (const issue of issues) console.error(`VALIDATION_FAILED: ${issue.path.map(String).join('.')}: ${issue.message}`);
  return 2;
};

const cliActor = { type: 'system' as const, id: null, name: 'ordo cli' };
const split = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** `ordo users …` (issue 18 item 5): the same rules as the API (docs/users.md), for an admin at the shell. */
export async function usersCommand(
  db: Db,
  tenantId: string,
  positionals: string[],
  values: UsersCommandOptions,
  out: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  const store = scope(db, tenantId);
  const now = systemClock.now();
  const [action, target] = positionals;
  const roles = split(values.roles);
  const badRoles = roles.filter((role) => !isRole(role));
  if (badRoles.length) {
    console.error(`unknown role(s): ${badRoles.join(', ')}`);
    return 2;
  }
  const byEmail = async (email: string | undefined) => {
    if (!email) return null;
    const found = await store
      .selectFrom('users')
      .select(['id'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .executeTakeFirst();
    return found?.id ?? null;
  };
  try {
    switch (action) {
      case 'list': {
        let cursor: string | undefined;
        do {
          const page = await listUsers(store, { limit: 200, cursor });
          for (const user of page.items)
            out(
              [
                user.email.padEnd(32),
                user.name.padEnd(24),
                user.roles.join(',').padEnd(24),
                (user.businessRoles.join(',') || '-').padEnd(20),
                (user.timeZone ?? '-').padEnd(20),
                user.active ? 'active' : 'deactivated',
              ].join('  '),
            );
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        return 0;
      }
      case 'add': {
        if (!values.email || !values.name || !roles.length) {
          console.error(USERS_USAGE);
          return 2;
        }
        const input = userInput.safeParse({
          email: values.email,
          name: values.name,
          roles,
          businessRoles: split(values['business-roles']),
          ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}),
          ...(values.password ? { password: values.password } : { invite: true }),
        });
        if (!input.success) return invalid(input.error.issues);
        const created = await createUser(store, cliActor, now, input.data);
        out(`created ${created.email} (${created.id})`);
        if (created.invitation)
          out(`invitation token (valid until ${created.invitation.expiresAt}): ${created.invitation.token}`);
        return 0;
      }
      case 'set-time-zone': {
        const id = await byEmail(target);
        const zone = positionals[2];
        if (!id || !zone) {
          console.error(target && zone ? `no user ${target}` : USERS_USAGE);
          return target && zone ? 1 : 2;
        }
        const patch = userPatch.safeParse({ timeZone: zone === 'browser' ? null : zone });
        if (!patch.success) return invalid(patch.error.issues);
        const changed = await updateUser(store, cliActor, now, id, patch.data, null);
        out(`${changed.email}: time zone ${changed.timeZone ?? "the browser's"}`);
        return 0;
      }
      case 'set-roles':
      case 'deactivate': {
        const id = await byEmail(target);
        if (!id) {
          console.error(target ? `no user ${target}` : USERS_USAGE);
          return target ? 1 : 2;
        }
        if (action === 'set-roles' && !roles.length && values['business-roles'] === undefined) {
          console.error(USERS_USAGE);
          return 2;
        }
        const patch = userPatch.safeParse(
          action === 'deactivate'
            ? { active: false }
            : {
                ...(roles.length ? { roles } : {}),
                ...(values['business-roles'] !== undefined ? { businessRoles: split(values['business-roles']) } : {}),
              },
        );
        if (!patch.success) return invalid(patch.error.issues);
        const changed = await updateUser(store, cliActor, now, id, patch.data, null);
        out(
          action === 'deactivate'
            ? `deactivated ${changed.email}`
            : `${changed.email}: roles ${changed.roles.join(',')}; business roles ${changed.businessRoles.join(',') || '-'}`,
        );
        return 0;
      }
      default:
        console.error(USERS_USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
