import { describe, expect, it } from 'vitest';
import { SecurityPolicy, MessageSecurityMode } from 'node-opcua-client';
import { makeUserManager, securityModes, securityPolicies } from '../../src/opcua/security.js';

describe('OPC UA security options', () => {
  it('maps modes and policies; None policy only with mode none; never the deprecated PKCS#1 v1.5 policy', () => {
    expect(securityModes({ security_modes: ['sign_and_encrypt', 'sign', 'sign'] })).toEqual([MessageSecurityMode.SignAndEncrypt, MessageSecurityMode.Sign]);
    expect(securityPolicies({ security_modes: ['sign_and_encrypt'], security_policies: ['Basic256Sha256'] })).toEqual([SecurityPolicy.Basic256Sha256]);
    expect(securityPolicies({ security_modes: ['none', 'sign'], security_policies: ['Aes256_Sha256_RsaPss'] })).toEqual([SecurityPolicy.None, SecurityPolicy.Aes256_Sha256_RsaPss]);
  });

  it('checks passwords exactly and gives operators and observers their roles', () => {
    const um = makeUserManager([{ username: 'op', password: 'pw1', role: 'operator' }, { username: 'ob', password: 'pw2', role: 'observer' }]);
    expect([um.isValidUser('op', 'pw1'), um.isValidUser('op', 'pw1 '), um.isValidUser('op', 'pw2'), um.isValidUser('nobody', 'pw1'), um.isValidUser('ob', 'pw2')]).toEqual([true, false, false, false, true]);
    const roles = (u: string) => um.getUserRoles(u).map((n) => n.value).sort();
    // ns=0 well-known roles: AuthenticatedUser 15656, Observer 15668, Operator 15680, Anonymous 15644.
    expect(roles('op')).toEqual([15656, 15680]);
    expect(roles('ob')).toEqual([15656, 15668]);
    expect(roles('nobody')).toEqual([15644]);
  });
});
