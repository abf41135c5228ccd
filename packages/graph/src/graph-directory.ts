import { toE164 } from '@tapline/domain';
import type { DeliveryContacts } from '@tapline/domain';
import type { GraphTransport } from './graph-client.js';
import { graphCall, graphStatusOf, listAll, odataString, userPath } from './graph-call.js';
import type { Directory, DirectoryUser, UserRole } from './ports.js';
import type { GraphCallContext } from './translate-graph-error.js';

const USER_SELECT = 'id,userPrincipalName,displayName,mail,accountEnabled,userType,creationType,externalUserState';

interface GraphUser {
  id?: string;
  userPrincipalName?: string;
  displayName?: string | null;
  mail?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
  creationType?: string | null;
  externalUserState?: string | null;
}

interface GraphPhoneMethod {
  phoneNumber?: string;
  phoneType?: string;
}

const notFoundReason = (role: UserRole) => (role === 'target' ? 'TargetNotFound' : 'RequestorNotFound');

/**
 * The Directory port over Microsoft Graph. Each method is one or two reads with `$select`
 * (cheaper in Graph's resource units) and follows nextLinks only as far as a bound.
 */
export function createGraphDirectory(transport: GraphTransport): Directory {
  const { client } = transport;
  // Every per-user call below runs after getUser found the target; a 404 there means it was deleted meanwhile.
  const onTarget = (operation: string): GraphCallContext => ({ operation, notFound: 'TargetNotFound' });

  return {
    async getUser(idOrUpn, role) {
      const u = await graphCall({ operation: 'getUser', notFound: notFoundReason(role) }, () =>
        client.api(userPath(idOrUpn)).select(USER_SELECT).get() as Promise<GraphUser>,
      );
      return toDirectoryUser(u);
    },

    async managerChain(userId, depth) {
      const chain: string[] = [];
      let current = userId;
      for (let level = 0; level < depth; level++) {
        let manager: { id?: string } | undefined;
        try {
          manager = await graphCall({ operation: 'getManager' }, () => client.api(`${userPath(current)}/manager`).select('id').get() as Promise<{ id?: string }>);
        } catch (err) {
          // Graph answers 404 for "no manager": the chain simply ends there.
          if (graphStatusOf(err) === 404) break;
          throw err;
        }
        if (!manager?.id || chain.includes(manager.id.toLowerCase())) break; // a cycle in a bad org chart
        chain.push(manager.id.toLowerCase());
        current = manager.id;
      }
      return chain;
    },

    async activeRoleCount(userId) {
      // Beta only; 404 without ConsistencyLevel: eventual (platform facts 5).
      const request = client
        .api('/roleManagement/directory/transitiveRoleAssignments')
        .version('beta')
        .header('ConsistencyLevel', 'eventual')
        .count(true)
        .filter(`principalId eq ${odataString(userId)}`)
        .select('id');
      const { items, count } = await listAll<{ id: string }>(transport, onTarget('transitiveRoleAssignments'), request);
      return Math.max(count ?? 0, items.length);
    },

    async eligibleRoleCount(userId) {
      const request = client
        .api('/roleManagement/directory/roleEligibilityScheduleInstances')
        .filter(`principalId eq ${odataString(userId)}`)
        .select('id');
      const { items } = await listAll<{ id: string }>(transport, onTarget('roleEligibilityScheduleInstances'), request);
      return items.length;
    },

    async groupMemberships(userId, groupIds) {
      if (groupIds.length === 0) return [];
      const wanted = new Set(groupIds.map((g) => g.toLowerCase()));
      const request = client.api(`${userPath(userId)}/transitiveMemberOf/microsoft.graph.group`).select('id').top(999);
      const { items } = await listAll<{ id?: string }>(transport, onTarget('transitiveMemberOf'), request, 50);
      return [...new Set(items.map((g) => g.id?.toLowerCase()).filter((id): id is string => id !== undefined && wanted.has(id)))];
    },

    async contacts(userId, role, contactOptions = {}) {
      const context = { operation: 'contacts', notFound: notFoundReason(role) } as const;
      const [user, phones] = await Promise.all([
        graphCall(context, () => client.api(userPath(userId)).select('displayName,mail').get() as Promise<GraphUser>),
        graphCall(context, () => client.api(`${userPath(userId)}/authentication/phoneMethods`).get() as Promise<{ value?: GraphPhoneMethod[] }>),
      ]);
      const excluded = new Set<string>(contactOptions.excludePhoneTypes ?? []);
      return contactsFrom(
        contactOptions.excludeMail === true ? { ...user, mail: null } : user,
        (phones.value ?? []).filter((p) => !excluded.has(p.phoneType ?? '')),
      );
    },
  };
}

export function toDirectoryUser(u: GraphUser): DirectoryUser {
  if (!u.id) throw new Error('Graph returned a user without an id');
  const upn = u.userPrincipalName ?? '';
  return {
    id: u.id.toLowerCase(),
    userPrincipalName: upn,
    displayName: u.displayName ?? null,
    mail: u.mail ?? null,
    // A missing flag is treated as disabled: never issue on an unknown.
    accountEnabled: u.accountEnabled === true,
    userType: u.userType === 'Member' ? 'Member' : 'Guest',
    isExternal: u.creationType === 'Invitation' || (u.externalUserState ?? null) !== null || upn.toUpperCase().includes('#EXT#'),
  };
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/**
 * Mobile and alternate mobile phone methods (office lines cannot receive SMS; platform facts 5),
 * kept in Graph's format, and the mail attribute. Values that are not a usable shape are dropped
 * here so that sealing never fails on a directory typo.
 */
export function contactsFrom(user: { displayName?: string | null; mail?: string | null }, phones: readonly GraphPhoneMethod[]): DeliveryContacts {
  const order = ['mobile', 'alternateMobile'];
  const mobilePhones = phones
    .filter((p) => p.phoneNumber !== undefined && order.includes(p.phoneType ?? ''))
    .sort((a, b) => order.indexOf(a.phoneType ?? '') - order.indexOf(b.phoneType ?? ''))
    .map((p) => p.phoneNumber!)
    .filter((n) => n.length <= 40 && toE164(n) !== undefined);
  const emails = user.mail && user.mail.length <= 320 && EMAIL.test(user.mail) ? [user.mail] : [];
  return {
    mobilePhones,
    emails,
    ...(user.displayName ? { displayName: user.displayName.slice(0, 256) } : {}),
  };
}
