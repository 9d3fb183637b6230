import { createHash, timingSafeEqual } from 'node:crypto';
import { makeRoles, PermissionType, WellKnownRoles, type RolePermissionTypeOptions } from 'node-opcua-address-space';
import { MessageSecurityMode, SecurityPolicy, type NodeId } from 'node-opcua-client';
import type { OpcuaConfig } from '../config/index.js';
import type { OpcuaUser } from './types.js';

/**
 * Config → node-opcua security options. Kept apart from server.ts so what a client may do
 * (modes, policies, who logs in with which role) reads in one place.
 */

const MODES: Record<OpcuaConfig['security_modes'][number], MessageSecurityMode> = {
  none: MessageSecurityMode.None,
  sign: MessageSecurityMode.Sign,
  sign_and_encrypt: MessageSecurityMode.SignAndEncrypt,
};

export function securityModes(cfg: Pick<OpcuaConfig, 'security_modes'>): MessageSecurityMode[] {
  return [...new Set(cfg.security_modes)].map((m) => MODES[m]);
}

/** The configured policies, plus None when mode none is offered (node-opcua pairs mode None with policy None only). */
export function securityPolicies(cfg: Pick<OpcuaConfig, 'security_modes' | 'security_policies'>): SecurityPolicy[] {
  const out = [...new Set(cfg.security_policies)].map((p) => SecurityPolicy[p]);
  return cfg.security_modes.includes('none') ? [SecurityPolicy.None, ...out] : out;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Username/password check and roles. Passwords are compared as SHA-256 digests with
 * timingSafeEqual, so the time taken says nothing about how much of a guess was right; an
 * unknown user costs the same as a wrong password.
 */
export function makeUserManager(users: readonly OpcuaUser[]): {
  isValidUser: (username: string, password: string) => boolean;
  getUserRoles: (username: string) => NodeId[];
} {
  const byName = new Map(users.map((u) => [u.username, { digest: digest(u.password), role: u.role }]));
  const nobody = digest('\u0000no such user');
  return {
    isValidUser(username, password) {
      const u = byName.get(username);
      const ok = timingSafeEqual(u?.digest ?? nobody, digest(password));
      return ok && u !== undefined;
    },
    getUserRoles(username) {
      const u = byName.get(username);
      if (!u) return makeRoles([WellKnownRoles.Anonymous]);
      return makeRoles([WellKnownRoles.AuthenticatedUser, u.role === 'operator' ? WellKnownRoles.Operator : WellKnownRoles.Observer]);
    },
  };
}

const READ = PermissionType.Browse | PermissionType.Read | PermissionType.ReadRolePermissions;

/** Settings: everyone who may connect reads and subscribes; only the operator role writes. */
export const SETTING_PERMISSIONS: RolePermissionTypeOptions[] = [
  { roleId: WellKnownRoles.Anonymous, permissions: READ },
  { roleId: WellKnownRoles.AuthenticatedUser, permissions: READ },
  { roleId: WellKnownRoles.Observer, permissions: READ },
  { roleId: WellKnownRoles.Operator, permissions: READ | PermissionType.Write },
];
